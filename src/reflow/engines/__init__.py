"""Domain logic: decisions as pure functions, I/O kept thin and routed through `reflow.kube`."""
