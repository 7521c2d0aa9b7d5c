"""The command line beside `mash-hub` itself: agency keys and records, police notifications."""
