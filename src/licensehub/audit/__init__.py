"""The audit trail: every write, import and token issued, with who, when, and the outcome."""
