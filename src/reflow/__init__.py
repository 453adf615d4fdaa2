"""reflow: the Flux v2 GitOps toolkit in Python — controllers and CLI that speak Flux's APIs."""

__version__ = "0.1.0"
