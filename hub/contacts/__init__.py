"""Contacts: every worry about a child comes in here and gets a reference at once."""
