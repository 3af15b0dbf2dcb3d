"""Broken provider plugins: each one fails in its own way."""
