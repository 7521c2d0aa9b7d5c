"""Information products: the hub's analysis of an enquiry, authorised and sent to a team."""
