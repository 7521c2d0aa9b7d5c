"""Agency-scoped encrypted stores: records, bulk import, key life cycle, blind-index matching."""
