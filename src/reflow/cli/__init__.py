"""The `reflow` command: every Flux verb, on click and rich."""
