"""Supplier standing: computed from the supplier's products, audited when it changes."""
