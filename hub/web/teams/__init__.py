"""The receiving teams' pages (their inbox of information products, a product to read,
print and acknowledge) and the professional referrer's own referrals."""
