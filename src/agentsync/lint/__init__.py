"""agent-lint: rules, runner and reporters. Imports neither pydantic nor the server stack."""
