"""Microsoft Partner Center: customer user licenses (/v1) and license usage analytics
(/partner/v1/analytics)."""

# The path prefixes this vendor answers, with its error body.
PREFIXES = ("/v1", "/partner/v1")
