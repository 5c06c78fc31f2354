"""Plumbing every vendor API shares: errors, request context, logging, path matching."""
