"""Helm releases: names, values, digests and the next action as pure functions; the helm CLI as thin I/O."""
