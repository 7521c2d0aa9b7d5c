"""The MASH admin officer's desk and the duty pages: contacts taken by phone or email, the
police notifications upload, the daily domestic abuse triage, missing episodes and the
duty rota. Each page calls the same service as the API, so it passes the same
``require()`` and writes the same audit entries."""
