"""The control plane: a client for the real ``/v1`` API and an embedded local server.

``client`` needs only httpx; ``server``, ``app`` and the runners need the ``server`` extra.
"""
