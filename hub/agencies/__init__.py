"""Agency-scoped encrypted stores, matching on blind indexes, disclosures."""
