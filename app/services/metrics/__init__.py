"""Customer metrics: import files and batches (validated, all-or-nothing), read the figures."""
