"""Screening: thresholds, RAG ratings, the duty rota and emerging-harm flags."""
