"""The service's GitHub side: what a worker reads from and writes to GitHub for one job.

- :mod:`~agentsync.service.github.credentials`: a GitHub App or a token, read from the
  environment, and the repository source they open;
- :mod:`~agentsync.service.github.client`: reading a pull request and reporting on it;
- :mod:`~agentsync.service.github.check_runs`: our ``agent-lint`` check run (Apps only);
- :mod:`~agentsync.service.github.rendering`: the comment's and the check run's content.
"""
