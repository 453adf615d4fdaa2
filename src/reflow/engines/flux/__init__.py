"""Flux objects as people see and steer them: state, inventory trees, traces, reconcile and suspend requests; shared
by the CLI and the web UI."""
