"""The client facade: the only code that talks HTTP to a Kubernetes API server."""
