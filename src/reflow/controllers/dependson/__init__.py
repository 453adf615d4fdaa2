"""dependsOn for every kind that has it: readiness decisions, other kinds' objects, the gate reconcilers call."""
