"""Who may see what: signed tokens, the principals they stand for, and one tenant scope."""
