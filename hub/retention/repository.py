"""Every query of the retention schedule: which cases have closed, and claiming one."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Row, Select, func, select, update
from sqlalchemy.orm import Session

from hub.contacts.models import Contact, ContactPerson
from hub.enquiries.models import CheckRequest, Disclosure, Enquiry
from hub.missing.models import MissingEpisode
from hub.products.models import InformationProduct
from hub.screening.models import ContactScreening, RagChange
from hub.triage.models import DaNotification

# Screening outcomes that close a case there; a MASH enquiry closes when its product is sent.
SCREENING_CLOSES = ("nfa", "signpost", "early_help")
# A product sent and not sent back by the team: the case's outcome.
PRODUCT_SENT = ("disseminated", "accepted")


def closed_at_screening(
    session: Session, *, closed_before: datetime
) -> Sequence[Row[uuid.UUID, str | None, datetime | None, datetime | None]]:
    """``(contact, outcome, closed at, held since)`` of live cases screening closed."""
    return session.execute(
        select(
            Contact.id, ContactScreening.outcome, ContactScreening.decided_at, Contact.held_since
        )
        .join(ContactScreening, ContactScreening.contact_id == Contact.id)
        .where(
            Contact.destroyed_at.is_(None),
            ContactScreening.outcome.in_(SCREENING_CLOSES),
            ContactScreening.decided_at <= closed_before,
        )
        .order_by(ContactScreening.decided_at, Contact.id)
    ).all()


def closed_by_product(
    session: Session, *, closed_before: datetime
) -> Sequence[Row[uuid.UUID, str, datetime | None, datetime | None]]:
    """``(contact, outcome, closed at, held since)`` of live cases whose enquiry closed
    with a product sent: the newest product sent is the outcome."""
    newest = (
        select(
            InformationProduct.enquiry_id,
            func.max(InformationProduct.disseminated_at).label("sent_at"),
        )
        .where(InformationProduct.status.in_(PRODUCT_SENT))
        .group_by(InformationProduct.enquiry_id)
        .subquery()
    )
    return session.execute(
        select(
            Contact.id, InformationProduct.proposed_outcome, Enquiry.closed_at, Contact.held_since
        )
        .join(Enquiry, Enquiry.contact_id == Contact.id)
        .join(newest, newest.c.enquiry_id == Enquiry.id)
        .join(
            InformationProduct,
            (InformationProduct.enquiry_id == Enquiry.id)
            & (InformationProduct.disseminated_at == newest.c.sent_at),
        )
        .where(
            Contact.destroyed_at.is_(None),
            Enquiry.status == "closed",
            Enquiry.closed_at <= closed_before,
        )
        .order_by(Enquiry.closed_at, Contact.id)
    ).all()


def notifications_closed(
    session: Session, *, closed_before: datetime
) -> Sequence[Row[uuid.UUID, str, datetime]]:
    """``(notification, outcome, closed at)``: its triage outcome's time, else its receipt."""
    closed_at = func.coalesce(DaNotification.outcome_at, DaNotification.received_at)
    return session.execute(
        select(DaNotification.id, func.coalesce(DaNotification.outcome, "untriaged"), closed_at)
        .where(DaNotification.destroyed_at.is_(None), closed_at <= closed_before)
        .order_by(closed_at, DaNotification.id)
    ).all()


def episodes_returned(
    session: Session, *, closed_before: datetime
) -> Sequence[Row[uuid.UUID, str, datetime | None]]:
    """``(episode, type, returned at)`` of episodes whose child came back."""
    return session.execute(
        select(MissingEpisode.id, MissingEpisode.episode_type, MissingEpisode.returned_at)
        .where(
            MissingEpisode.destroyed_at.is_(None),
            MissingEpisode.returned_at.is_not(None),
            MissingEpisode.returned_at <= closed_before,
        )
        .order_by(MissingEpisode.returned_at, MissingEpisode.id)
    ).all()


# --- claiming: one process destroys each case, once ------------------------------------------


def claim_case(session: Session, contact_id: uuid.UUID, now: datetime) -> bool:
    """Mark the case destroyed if it is not already, nor on legal hold. A conditional
    update: of two processes, the second waits for the first's row lock and then finds
    nothing to claim (and a hold placed first wins)."""
    result = session.execute(
        update(Contact)
        .where(
            Contact.id == contact_id, Contact.destroyed_at.is_(None), Contact.held_since.is_(None)
        )
        .values(destroyed_at=now, status="destroyed")
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def claim_notification(session: Session, notification_id: uuid.UUID, now: datetime) -> bool:
    result = session.execute(
        update(DaNotification)
        .where(DaNotification.id == notification_id, DaNotification.destroyed_at.is_(None))
        # The address's blind index would show a notification came from that address.
        .values(destroyed_at=now, address_index=None)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def claim_episode(session: Session, episode_id: uuid.UUID, now: datetime) -> bool:
    result = session.execute(
        update(MissingEpisode)
        .where(MissingEpisode.id == episode_id, MissingEpisode.destroyed_at.is_(None))
        .values(destroyed_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def people_of_case(session: Session, contact_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        session.scalars(
            select(ContactPerson.id)
            .where(ContactPerson.contact_id == contact_id)
            .order_by(ContactPerson.position)
        )
    )


# --- the rows of one case, by table (for values sealed before cases had keys) -------------------


def rows_of_case(contact_id: uuid.UUID) -> dict[str, Select[Any]]:
    """Each hub table holding part of the case, and a statement of its row ids there."""
    enquiry_ids = select(Enquiry.id).where(Enquiry.contact_id == contact_id)
    return {
        "contacts": select(Contact.id).where(Contact.id == contact_id),
        "contact_screenings": select(ContactScreening.contact_id).where(
            ContactScreening.contact_id == contact_id
        ),
        "rag_changes": select(RagChange.id).where(RagChange.contact_id == contact_id),
        "check_requests": select(CheckRequest.id).where(CheckRequest.enquiry_id.in_(enquiry_ids)),
        "disclosures": select(Disclosure.id).where(Disclosure.enquiry_id.in_(enquiry_ids)),
        "information_products": select(InformationProduct.id).where(
            InformationProduct.enquiry_id.in_(enquiry_ids)
        ),
    }


def rows_of_notification(notification_id: uuid.UUID) -> dict[str, Select[Any]]:
    return {
        "da_notifications": select(DaNotification.id).where(DaNotification.id == notification_id)
    }


def rows_of_episode(episode_id: uuid.UUID) -> dict[str, Select[Any]]:
    return {"missing_episodes": select(MissingEpisode.id).where(MissingEpisode.id == episode_id)}


def sealed_values_in(
    session: Session, row_id: Column[Any], sealed: Column[Any], rows: Select[Any]
) -> list[tuple[Any, bytes]]:
    """``(row id, sealed value)`` of one sealed column, for the rows ``rows`` names."""
    return [
        (found, bytes(value))
        for found, value in session.execute(
            select(row_id, sealed).where(row_id.in_(rows), sealed.is_not(None))
        )
    ]
