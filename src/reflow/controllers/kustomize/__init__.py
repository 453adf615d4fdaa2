"""The kustomize controller: Kustomizations applied from their sources, woken by watches, never by polls."""
