"""Tests of the reflow command against the real control plane."""
