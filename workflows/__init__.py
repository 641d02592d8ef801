"""Sieve's pure domain rules: no Flask, no SQLAlchemy, plain values in and out."""
