"""Screening: thresholds, RAG ratings and the clocks they start."""
