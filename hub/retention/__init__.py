"""The retention schedule: a closed case is destroyed by destroying its key, unless held."""
