"""The local world: tools built from Go modules, the local control plane, the demo's servers."""
