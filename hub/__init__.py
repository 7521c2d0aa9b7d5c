"""MASH Hub: a Multi-Agency Safeguarding Hub service."""

__version__ = "0.1.0"
