"""Data keys: generated per agency, record or hub store, wrapped by the KEK provider."""
