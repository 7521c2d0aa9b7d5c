"""Crypto recipes.

This package is the only place in MASH Hub that touches ``cryptography.hazmat``.
Domain code calls the recipes in its modules (sealing, key wrapping, blind indexes,
signing) and never a primitive directly.
"""
