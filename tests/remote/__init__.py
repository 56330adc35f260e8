"""The remote engine against a real llama-server (and a stub for the faults it cannot produce)."""
