"""Veeam Backup for Microsoft 365 REST v6: organizations and their licensing (/v6)."""

PREFIXES = ("/v6",)
