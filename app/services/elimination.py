"""Elimination sweeps: load the catalogue, run the rules, store candidates, act on them."""
