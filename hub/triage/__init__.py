"""Domestic abuse triage: police notifications in bulk, and the daily triage meeting."""
