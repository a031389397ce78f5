"""The control-plane client: the ``/v1`` API's records and errors, and the HTTP client that
sync, ``agent run`` and ``agent serve`` use (``api``: the calls; ``settings``: where and with
what token; ``calls``: one call and its errors; ``follow``: a run's live events; ``redaction``:
the token kept out of sight). Needs httpx and pydantic, never the server stack."""
