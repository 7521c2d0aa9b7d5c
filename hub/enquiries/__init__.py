"""MASH enquiries: the checks asked of agencies, what they disclose, and break-glass access."""
