"""The local control plane: an embedded server with the same ``/v1`` surface as the platform's,
so that sync, runs and the platform's own CLI work offline. Needs the ``server`` extra."""
