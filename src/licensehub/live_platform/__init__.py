"""AudioCodes Live Platform: Teams voice license info (/api/v3)."""

PREFIXES = ("/api/v3",)
