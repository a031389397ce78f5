"""The sync engine: a repository's configs at a commit, reconciled with the control plane.

``sources`` read a repository snapshot; ``desired`` validates it; ``plan`` (a pure function)
compares it with the control plane's listing; ``apply`` executes the plan through the client.
"""
