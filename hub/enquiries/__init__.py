"""MASH enquiries: checks asked of agencies, what they disclosed, the information product."""
