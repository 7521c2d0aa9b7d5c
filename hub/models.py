"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from hub.agencies.models import AgencyRecord, AgencyRecordIndex  # noqa: F401
from hub.audit.models import AuditCheckpoint, AuditEntry, AuditLeaf, AuditTerm
from hub.auth.models import WebSession  # noqa: F401
from hub.contacts.models import Contact, ContactPerson
from hub.enquiries.models import BreakGlassEvent, CheckRequest, Disclosure, Enquiry  # noqa: F401
from hub.keys.models import DataKeyRow
from hub.missing.models import MissingEpisode  # noqa: F401
from hub.people.models import PersonIndex  # noqa: F401
from hub.products.models import InformationProduct  # noqa: F401
from hub.screening.models import ContactScreening, RagChange  # noqa: F401
from hub.triage.models import DaNotification, DaNotificationPerson, TriageMeeting  # noqa: F401

__all__ = [
    "AuditCheckpoint",
    "AuditEntry",
    "AuditLeaf",
    "AuditTerm",
    "Contact",
    "ContactPerson",
    "DataKeyRow",
]
