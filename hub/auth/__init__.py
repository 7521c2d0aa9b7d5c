"""Identity: verified JWTs and the Principal of a request."""
