"""Shared infrastructure: crypto recipes, errors, logging, pagination."""
