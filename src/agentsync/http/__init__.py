"""The HTTP layer that the control-plane client and the platform adapters share: one retry
policy (:mod:`.retry`, no httpx needed) over the package's one backoff (:mod:`.backoff`, which
the service uses too), and one httpx session (:mod:`.session`: base URL, Bearer token,
swappable transport, error bodies, server-sent events). Nothing here imports the server stack.
"""
