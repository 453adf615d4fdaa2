"""source-watcher: the ArtifactGenerator controller."""
