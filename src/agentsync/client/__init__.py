"""The control-plane client: the ``/v1`` API's records, its errors, and the HTTP client that
sync, ``agent run`` and ``agent serve`` use. Needs httpx and pydantic, never the server stack."""
