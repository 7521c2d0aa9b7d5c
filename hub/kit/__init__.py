"""Shared infrastructure: crypto recipes, errors, logging, pagination, working time, schemas."""
