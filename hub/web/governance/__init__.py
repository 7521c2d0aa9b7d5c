"""The information governance officer's pages: the purpose of each look-up first, then the
disclosure register, audit search, denied attempts, verifying the log, evidence and charts."""
