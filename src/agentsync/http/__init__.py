"""The HTTP layer that the control-plane client and the platform adapters share: one retry
policy (:mod:`.retry`, no httpx needed) and one httpx session (:mod:`.session`: base URL, Bearer
token, swappable transport, error bodies, server-sent events). Nothing here imports the server
stack."""
