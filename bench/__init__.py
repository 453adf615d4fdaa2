"""Side-by-side benchmarks of reflow's controllers and Flux's own, on one local plane (not part of the tests)."""
