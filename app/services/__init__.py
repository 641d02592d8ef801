"""Use cases: load, ask workflows/, mutate, audit, commit once. The only layer that commits."""
