"""One package per controller; each reconciler is a thin orchestration of engines."""
