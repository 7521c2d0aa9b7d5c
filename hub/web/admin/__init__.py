"""The system administrator's pages: the firewall matrix of the running policy and its
reload, the keys' status, and the agencies and teams as configured. They call the same
system service as the API, so they pass the same ``require()`` and write the same audit
entries; nothing on them is personal content."""
