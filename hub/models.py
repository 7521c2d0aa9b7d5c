"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from hub.audit.models import AuditCheckpoint, AuditEntry, AuditLeaf, AuditSubject
from hub.contacts.models import Contact, ContactPerson
from hub.keys.models import DataKeyRow

__all__ = [
    "AuditCheckpoint",
    "AuditEntry",
    "AuditLeaf",
    "AuditSubject",
    "Contact",
    "ContactPerson",
    "DataKeyRow",
]
