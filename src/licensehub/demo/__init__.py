"""The demo: a realistic, deterministic ledger in a database of its own."""
