"""The agency representative's pages: the inbox of check requests, the check page that
answers one, the agency's disclosures and their later reads, and the agency's records."""
