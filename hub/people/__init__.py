"""The person index every domain shares: normalising identifiers, person blind indexes, matching."""
