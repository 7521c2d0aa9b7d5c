"""Every information product query. Team scoping starts from :func:`products_sent_to`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, Select, select
from sqlalchemy.orm import Session

from hub.contacts.models import Contact
from hub.enquiries.models import Enquiry
from hub.products.models import InformationProduct

# A product is the receiving team's once sent, whether or not the team has answered yet.
SENT = ("disseminated", "accepted", "declined")


def product(session: Session, product_id: uuid.UUID) -> InformationProduct | None:
    return session.get(InformationProduct, product_id)


def products_sent_to(team: str) -> Select[InformationProduct]:
    """The one starting point for what an operational team may see: what was sent to it."""
    return (
        select(InformationProduct)
        .where(
            InformationProduct.receiving_team == team,
            InformationProduct.status.in_(SENT),
        )
        .order_by(InformationProduct.disseminated_at.desc())
    )


def all_products() -> Select[InformationProduct]:
    return select(InformationProduct).order_by(InformationProduct.compiled_at.desc())


def newest_products(session: Session, *, team: str | None, limit: int) -> list[InformationProduct]:
    """What was sent to ``team``, or (no team: the hub) every product; newest first."""
    statement = all_products() if team is None else products_sent_to(team)
    return list(session.scalars(statement.limit(limit)))


def product_for_enquiry(session: Session, enquiry_id: uuid.UUID) -> InformationProduct | None:
    return session.execute(
        select(InformationProduct)
        .where(InformationProduct.enquiry_id == enquiry_id)
        .order_by(InformationProduct.compiled_at.desc())
        .limit(1)
    ).scalar_one_or_none()


def product_statuses(session: Session, enquiry_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The status of each enquiry's latest product."""
    statuses: dict[uuid.UUID, str] = {}
    if not enquiry_ids:
        return statuses
    for enquiry_id, status in session.execute(
        select(InformationProduct.enquiry_id, InformationProduct.status)
        .where(InformationProduct.enquiry_id.in_(enquiry_ids))
        .order_by(InformationProduct.compiled_at)
    ):
        statuses[enquiry_id] = status
    return statuses


def sent_not_acknowledged(
    session: Session,
) -> Sequence[Row[uuid.UUID, uuid.UUID, str, str, str | None, datetime | None]]:
    """Products sent and not yet accepted or declined by their team, the longest waiting
    first: (product id, enquiry id, contact reference, RAG, team, sent at)."""
    return session.execute(
        select(
            InformationProduct.id,
            Enquiry.id,
            Contact.reference,
            Enquiry.rag,
            InformationProduct.receiving_team,
            InformationProduct.disseminated_at,
        )
        .join(Enquiry, Enquiry.id == InformationProduct.enquiry_id)
        .join(Contact, Contact.id == Enquiry.contact_id)
        .where(InformationProduct.status == "disseminated")
        .order_by(InformationProduct.disseminated_at)
    ).all()
