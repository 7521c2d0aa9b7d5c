"""The person index is tested through the agency routes, with the agency fixtures."""

from tests.agencies.conftest import a_record, agency_app, agency_client

__all__ = ["a_record", "agency_app", "agency_client"]
