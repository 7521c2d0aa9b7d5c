"""The rules for domestic abuse notifications and the daily triage meeting.

Notifications arrive in batches (the API takes up to 500; the command line imports a CSV
file in batches). A batch is checked whole before anything is written: a police reference
twice in one batch, or one already held with different details, rejects the batch. One
already held with the same details is reported and left alone, so a re-sent batch or a
re-run import changes nothing.

The triage meeting takes every notification not yet on a list (or those received since a
given time), high risk first. Each gets an outcome with a reason; the list closes when the
last one has its outcome. High-risk notifications carry the MARAC flag from the start.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.audit import service as audit
from hub.auth.principal import Principal
from hub.contacts import service as contacts
from hub.contacts.schemas import Channel, ContactIn, PersonIn, ReferrerIn, WorryCategory
from hub.db import utcnow
from hub.keys.service import Keyring, hub_context, notification_key_id
from hub.kit.crypto.envelope import SealContext
from hub.kit.errors import Conflict, NotFound, Unprocessable
from hub.kit.pagination import DEFAULT_PAGE_SIZE, Page, decode_time_id_cursor, encode_time_id_cursor
from hub.people import repository as person_index
from hub.people.indexing import PersonIndexer
from hub.people.normalise import PersonIdentifiers
from hub.policy.decision_point import allowed_event, require
from hub.policy.firewall import Decision, Resource
from hub.policy.vocabulary import Action, Kind
from hub.triage import repository
from hub.triage.indexing import NotificationIndexer
from hub.triage.models import DaNotification, TriageMeeting
from hub.triage.schemas import (
    BatchReceipt,
    DaNotificationIn,
    MeetingOut,
    MeetingSummary,
    NotificationDetail,
    NotificationSummary,
    Outcome,
    OutcomeIn,
    PersonOut,
    ReceivedItem,
    RiskLevel,
    Status,
    normalise_police_reference,
)

log = structlog.get_logger()

TABLE = "da_notifications"
_OUTCOME_REASON = "sealed_outcome_reason"  # the column, and its seal context
MAX_PROBLEMS_SHOWN = 20
_RESOURCE = Resource(Kind.da_notification)


def _seal_new(
    session: Session,
    keyring: Keyring,
    notification_id: uuid.UUID,
    plaintext: bytes,
    context: SealContext,
) -> bytes:
    """Seal a new notification's details under a key of its own, made now."""
    key_id = notification_key_id(notification_id)
    keyring.new_case_key(session, key_id)
    return keyring.seal(session, key_id, plaintext, context)


def _context(notification_id: uuid.UUID, column: str) -> SealContext:
    return hub_context(TABLE, column, notification_id)


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong with one notification: its position (or CSV line), the field, and why."""

    position: int
    field: str
    reason: str

    def describe(self, label: str = "line") -> str:
        """``line 7: postcode: ...`` for a file, ``notifications.6.postcode: ...`` for a batch."""
        if label == "line":
            return f"line {self.position}: {self.field}: {self.reason}"
        return f"{label}.{self.position}.{self.field}: {self.reason}"

    def __str__(self) -> str:
        return self.describe()


class BatchRejected(Unprocessable):
    """A batch with bad notifications; nothing of it was stored."""

    code = "invalid_batch"

    def __init__(self, problems: Sequence[Problem], *, label: str = "notifications") -> None:
        shown = "; ".join(problem.describe(label) for problem in problems[:MAX_PROBLEMS_SHOWN])
        more = len(problems) - MAX_PROBLEMS_SHOWN
        suffix = f"; and {more} more" if more > 0 else ""
        super().__init__(f"Nothing was stored. {shown}{suffix}.")
        self.problems = list(problems)


# --- receiving notifications ------------------------------------------------------------------


def _canonical(notification: DaNotificationIn) -> str:
    """Everything a notification says, in one stable text, for its keyed digest."""
    body = notification.model_dump(mode="json")
    body["police_reference"] = normalise_police_reference(notification.police_reference)
    body["incident_at"] = notification.incident_at.astimezone(UTC).isoformat()
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class _Checked:
    position: int
    notification: DaNotificationIn
    reference_index: bytes
    digest: bytes
    existing: tuple[uuid.UUID, bool] | None  # (id, MARAC flag) when already held


def _check(
    session: Session,
    indexer: NotificationIndexer,
    notifications: Sequence[tuple[int, DaNotificationIn]],
) -> tuple[list[_Checked], list[Problem]]:
    checked: list[_Checked] = []
    problems: list[Problem] = []
    keyed = [
        (
            position,
            notification,
            indexer.police_reference(normalise_police_reference(notification.police_reference)),
            indexer.notification_digest(_canonical(notification)),
        )
        for position, notification in notifications
    ]
    held = repository.existing_by_reference(session, [k[2] for k in keyed])
    first_seen: dict[bytes, int] = {}
    for position, notification, reference_index, digest in keyed:
        if reference_index in first_seen:
            problems.append(
                Problem(
                    position,
                    "police_reference",
                    f"appears more than once (first at {first_seen[reference_index]})",
                )
            )
            continue
        first_seen[reference_index] = position
        existing = held.get(reference_index)
        if existing is not None and existing[1] != digest:
            problems.append(
                Problem(position, "police_reference", "was already received with other details")
            )
            continue
        checked.append(
            _Checked(
                position,
                notification,
                reference_index,
                digest,
                None if existing is None else (existing[0], existing[2]),
            )
        )
    return checked, problems


def check_notifications(
    session: Session, keyring: Keyring, notifications: Sequence[tuple[int, DaNotificationIn]]
) -> list[Problem]:
    """What stops these notifications being stored, against each other and what is held."""
    _, problems = _check(session, NotificationIndexer(keyring.linkage_key(session)), notifications)
    return problems


# (role, given name, family name, date of birth) of one person named in a notification.
_Named = tuple[str, str | None, str | None, date | None]


@dataclass(slots=True)
class _NewRows:
    """The rows a batch adds: notifications, their people, the people's blind indexes, and
    for each new notification the ids of its people (for its audit entry)."""

    notifications: list[dict[str, Any]] = field(default_factory=list)
    people: list[dict[str, Any]] = field(default_factory=list)
    indexes: list[dict[str, Any]] = field(default_factory=list)
    subjects: dict[uuid.UUID, list[str]] = field(default_factory=dict)


def receive_notifications(
    session: Session,
    principal: Principal,
    notifications: Sequence[tuple[int, DaNotificationIn]],
    *,
    keyring: Keyring,
    batch_id: uuid.UUID | None = None,
    label: str = "notifications",
) -> BatchReceipt:
    """Store a batch of ``(position, notification)``; all or nothing, idempotent by reference."""
    decision = require(principal, Action.create, _RESOURCE)
    batch_id = batch_id or uuid.uuid4()
    linkage = keyring.linkage_key(session)
    indexer = NotificationIndexer(linkage)
    checked, problems = _check(session, indexer, notifications)
    if problems:
        raise BatchRejected(problems, label=label)

    people_indexer = PersonIndexer(linkage)
    now = utcnow()
    new = _NewRows()
    items: list[ReceivedItem] = []
    for item in checked:
        if item.existing is not None:
            items.append(_already_received(item.position, *item.existing))
            continue
        notification_id = uuid.uuid4()
        row = _notification_row(session, keyring, indexer, item, notification_id)
        new.notifications.append(
            row | {"received_at": now, "received_by": principal.sub, "batch_id": batch_id}
        )
        _add_people(new, people_indexer, item.notification, notification_id, now)
        items.append(
            ReceivedItem(
                position=item.position,
                id=notification_id,
                status="created",
                marac_flag=row["marac_flag"],
            )
        )
    repository.insert_notifications(session, new.notifications, new.people)
    person_index.insert_person_indexes(session, new.indexes)
    _record_received(session, principal, decision, batch_id, new.subjects, received=len(items))
    created = len(new.subjects)
    log.info(
        "da_notifications.received",
        batch_id=str(batch_id),
        created=created,
        already_received=len(items) - created,
    )
    return BatchReceipt(
        batch_id=batch_id,
        received=len(items),
        created=created,
        already_received=len(items) - created,
        items=items,
    )


def _already_received(position: int, held_id: uuid.UUID, marac_flag: bool) -> ReceivedItem:
    return ReceivedItem(
        position=position, id=held_id, status="already_received", marac_flag=marac_flag
    )


def _named_people(notification: DaNotificationIn) -> list[_Named]:
    """The adults, then the children, in the order the notification gives them."""
    return [
        (str(adult.role), adult.given_name, adult.family_name, adult.date_of_birth)
        for adult in notification.adults
    ] + [
        ("child", child.given_name, child.family_name, child.date_of_birth)
        for child in notification.children
    ]


def _notification_row(
    session: Session,
    keyring: Keyring,
    indexer: NotificationIndexer,
    item: _Checked,
    notification_id: uuid.UUID,
) -> dict[str, Any]:
    """A new notification's row: codes, counts and blind indexes in clear, the rest sealed."""
    notification = item.notification
    details = {
        "police_reference": notification.police_reference,
        "address": notification.address,
        "postcode": notification.postcode,
        "people": [
            {
                "given_name": given,
                "family_name": family,
                "date_of_birth": dob.isoformat() if dob else None,
            }
            for _, given, family, dob in _named_people(notification)
        ],
        "circumstances": notification.circumstances,
    }
    return {
        "id": notification_id,
        "reference_index": item.reference_index,
        "content_digest": item.digest,
        "address_index": indexer.address(notification.address, notification.postcode),
        "incident_at": notification.incident_at,
        "risk_level": str(notification.risk_level),
        "children_count": len(notification.children),
        "marac_flag": notification.risk_level is RiskLevel.high,
        "sealed_details": _seal_new(
            session,
            keyring,
            notification_id,
            json.dumps(details).encode(),
            _context(notification_id, "sealed_details"),
        ),
    }


def _add_people(
    new: _NewRows,
    people_indexer: PersonIndexer,
    notification: DaNotificationIn,
    notification_id: uuid.UUID,
    now: datetime,
) -> None:
    """The notification's people, each with the person blind indexes that find them."""
    people = _named_people(notification)
    person_ids = [uuid.uuid4() for _ in people]
    for position, (person_id, (role, given, family, dob)) in enumerate(
        zip(person_ids, people, strict=True)
    ):
        new.people.append(
            {
                "id": person_id,
                "notification_id": notification_id,
                "position": position,
                "person_role": role,
            }
        )
        identifiers = PersonIdentifiers(
            given_name=given,
            family_name=family,
            date_of_birth=dob,
            postcode=notification.postcode,
        )
        new.indexes.extend(
            {
                "id": uuid.uuid4(),
                "store": repository.DA_STORE,
                "parent_id": notification_id,
                "person_id": person_id,
                "pass_name": index.pass_name,
                "blind": index.blind,
                "created_at": now,
            }
            for index in people_indexer.person(identifiers)
        )
    new.subjects[notification_id] = [str(p) for p in person_ids]


def _record_received(
    session: Session,
    principal: Principal,
    decision: Decision,
    batch_id: uuid.UUID,
    subjects: Mapping[uuid.UUID, list[str]],
    *,
    received: int,
) -> None:
    """An audit entry for each new notification, or one for a batch that added none."""
    for notification_id, subject_ids in subjects.items():
        audit.record(
            session,
            principal,
            allowed_event(
                decision, _RESOURCE, resource_id=str(notification_id), subject_ids=subject_ids
            ),
        )
    if not subjects:
        # Nothing new, but the attempt is still on the record.
        audit.record(
            session,
            principal,
            allowed_event(
                decision,
                _RESOURCE,
                resource_id=str(batch_id),
                reason=f"{received} notifications already received; none stored",
            ),
        )


# --- reading ------------------------------------------------------------------------------------


def _open_details(session: Session, keyring: Keyring, notification: DaNotification) -> Any:
    return json.loads(
        keyring.open(
            session, notification.sealed_details, _context(notification.id, "sealed_details")
        )
    )


def _status(notification: DaNotification) -> Status:
    if notification.outcome is not None:
        return Status.triaged
    if notification.meeting_id is not None:
        return Status.on_triage_list
    return Status.awaiting_triage


def _summary(notification: DaNotification, details: Any) -> NotificationSummary:
    return NotificationSummary(
        id=notification.id,
        police_reference=details["police_reference"],
        incident_at=notification.incident_at,
        received_at=notification.received_at,
        risk_level=RiskLevel(notification.risk_level),
        children=notification.children_count,
        marac_flag=notification.marac_flag,
        status=_status(notification),
        meeting_id=notification.meeting_id,
        outcome=Outcome(notification.outcome) if notification.outcome else None,
    )


def _subjects(notifications: Sequence[DaNotification]) -> list[str]:
    return [str(person.id) for n in notifications for person in n.people]


def list_notifications(
    session: Session,
    principal: Principal,
    *,
    keyring: Keyring,
    cursor: str | None,
    limit: int = DEFAULT_PAGE_SIZE,
    awaiting_only: bool = False,
) -> Page[NotificationSummary]:
    decision = require(principal, Action.list, _RESOURCE)
    after = decode_time_id_cursor(cursor)
    found = repository.page_of_notifications(
        session, after=after, limit=limit + 1, awaiting_only=awaiting_only
    )
    page = found[:limit]
    audit.record(
        session, principal, allowed_event(decision, _RESOURCE, subject_ids=_subjects(page))
    )
    next_cursor = (
        encode_time_id_cursor(page[-1].received_at, page[-1].id) if len(found) > limit else None
    )
    return Page[NotificationSummary](
        items=[_summary(n, _open_details(session, keyring, n)) for n in page],
        next_cursor=next_cursor,
    )


def _detail(session: Session, keyring: Keyring, notification: DaNotification) -> NotificationDetail:
    details = _open_details(session, keyring, notification)
    people = [
        PersonOut(id=person.id, role=person.person_role, **raw)
        for person, raw in zip(notification.people, details["people"], strict=True)
    ]
    reason = (
        keyring.open(
            session,
            notification.sealed_outcome_reason,
            _context(notification.id, _OUTCOME_REASON),
        ).decode()
        if notification.sealed_outcome_reason is not None
        else None
    )
    return NotificationDetail(
        **_summary(notification, details).model_dump(),
        address=details["address"],
        postcode=details["postcode"],
        adults=[p for p in people if p.role != "child"],
        child_people=[p for p in people if p.role == "child"],
        circumstances=details["circumstances"],
        outcome_reason=reason,
        outcome_at=notification.outcome_at,
        outcome_by=notification.outcome_by,
        contact_id=notification.contact_id,
    )


def read_notification(
    session: Session, principal: Principal, notification_id: uuid.UUID, *, keyring: Keyring
) -> NotificationDetail:
    resource = Resource(Kind.da_notification, id=str(notification_id))
    # Permission first, then existence: a caller who may not read learns nothing.
    decision = require(principal, Action.read, resource)
    notification = repository.get_notification(session, notification_id)
    if notification is None:
        raise NotFound()
    audit.record(
        session, principal, allowed_event(decision, resource, subject_ids=_subjects([notification]))
    )
    return _detail(session, keyring, notification)


# --- the triage meeting ---------------------------------------------------------------------------


def _meeting_out(
    session: Session, keyring: Keyring, meeting: TriageMeeting, items: list[DaNotification]
) -> MeetingOut:
    return MeetingOut(
        id=meeting.id,
        opened_at=meeting.opened_at,
        opened_by=meeting.opened_by,
        covers_from=meeting.covers_from,
        closed_at=meeting.closed_at,
        item_count=meeting.item_count,
        outstanding=sum(1 for n in items if n.outcome is None),
        items=[_summary(n, _open_details(session, keyring, n)) for n in items],
    )


def open_triage_meeting(
    session: Session, principal: Principal, *, keyring: Keyring, since: datetime | None = None
) -> MeetingOut:
    """Open today's meeting: every notification not yet listed (or received since ``since``)."""
    decision = require(principal, Action.update, _RESOURCE)
    if repository.open_meeting(session) is not None:
        raise Conflict(
            "A triage meeting is still open: record an outcome for each of its notifications.",
            code="meeting_open",
        )
    now = utcnow()
    meeting = TriageMeeting(
        id=uuid.uuid4(),
        opened_at=now,
        opened_by=principal.sub,
        covers_from=since,
        item_count=0,
        open_marker=True,
    )
    session.add(meeting)
    try:
        session.flush()
    except IntegrityError:
        # Someone else opened one a moment ago.
        raise Conflict(
            "A triage meeting is still open: record an outcome for each of its notifications.",
            code="meeting_open",
        ) from None
    meeting.item_count = repository.claim_for_meeting(session, meeting.id, since=since, until=now)
    if meeting.item_count == 0:
        meeting.closed_at, meeting.open_marker = now, None
    session.flush()
    items = repository.meeting_items(session, meeting.id)
    resource = Resource(Kind.da_notification, id=str(meeting.id))
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            resource,
            subject_ids=_subjects(items),
            reason=f"triage meeting opened with {meeting.item_count} notifications",
        ),
    )
    log.info("triage.meeting_opened", meeting_id=str(meeting.id), items=meeting.item_count)
    return _meeting_out(session, keyring, meeting, items)


def read_triage_meeting(
    session: Session, principal: Principal, meeting_id: uuid.UUID, *, keyring: Keyring
) -> MeetingOut:
    resource = Resource(Kind.da_notification, id=str(meeting_id))
    decision = require(principal, Action.read, resource)
    meeting = repository.get_meeting(session, meeting_id)
    if meeting is None:
        raise NotFound()
    items = repository.meeting_items(session, meeting.id)
    audit.record(
        session, principal, allowed_event(decision, resource, subject_ids=_subjects(items))
    )
    return _meeting_out(session, keyring, meeting, items)


def list_triage_meetings(
    session: Session, principal: Principal, *, limit: int = DEFAULT_PAGE_SIZE
) -> list[MeetingSummary]:
    decision = require(principal, Action.list, _RESOURCE)
    meetings = repository.meetings_newest_first(session, limit=limit)
    audit.record(session, principal, allowed_event(decision, _RESOURCE, reason="triage meetings"))
    return [
        MeetingSummary(
            id=m.id, opened_at=m.opened_at, closed_at=m.closed_at, item_count=m.item_count
        )
        for m in meetings
    ]


def _contact_for(details: Any, notification: DaNotification, payload: OutcomeIn) -> ContactIn:
    assert payload.consent is not None  # OutcomeIn requires it for refer_to_mash
    people = [
        (person.person_role, raw)
        for person, raw in zip(notification.people, details["people"], strict=True)
    ]

    def person_in(raw: Any) -> PersonIn:
        return PersonIn(
            given_name=raw["given_name"],
            family_name=raw["family_name"],
            date_of_birth=raw["date_of_birth"],
            address=details["address"],
            postcode=details["postcode"],
        )

    return ContactIn(
        channel=Channel.police_notification,
        children=[person_in(raw) for role, raw in people if role == "child"],
        adults=[person_in(raw) for role, raw in people if role != "child"],
        worries=[WorryCategory.domestic_abuse],
        concern=details["circumstances"],
        consent=payload.consent,
        referrer=ReferrerIn(organisation="Police", role="Domestic abuse notification"),
    )


def _awaiting_outcome(
    session: Session, meeting_id: uuid.UUID, notification_id: uuid.UUID
) -> tuple[TriageMeeting, DaNotification]:
    """The open meeting (locked) and its notification that has no outcome yet."""
    meeting = repository.get_meeting(session, meeting_id, lock=True)
    notification = repository.get_notification(session, notification_id)
    if meeting is None or notification is None or notification.meeting_id != meeting.id:
        raise NotFound()
    if meeting.closed_at is not None:
        raise Conflict("This triage meeting is closed.", code="meeting_closed")
    if notification.outcome is not None:
        raise Conflict("This notification already has an outcome.", code="outcome_recorded")
    return meeting, notification


def _refer_to_mash(
    session: Session,
    principal: Principal,
    notification: DaNotification,
    payload: OutcomeIn,
    keyring: Keyring,
    on_contact_recorded: contacts.ContactRecorded,
) -> uuid.UUID:
    """The MASH contact a referral makes, through the front door's own service."""
    details = _open_details(session, keyring, notification)
    contact = contacts.create_contact(
        session,
        principal,
        _contact_for(details, notification, payload),
        keyring=keyring,
        on_recorded=on_contact_recorded,
    )
    return contact.id


def record_outcome(
    session: Session,
    principal: Principal,
    meeting_id: uuid.UUID,
    notification_id: uuid.UUID,
    payload: OutcomeIn,
    *,
    keyring: Keyring,
    on_contact_recorded: contacts.ContactRecorded,
) -> NotificationDetail:
    """The meeting's outcome for one notification; the last outcome closes the list."""
    resource = Resource(Kind.da_notification, id=str(notification_id))
    decision = require(principal, Action.update, resource)
    meeting, notification = _awaiting_outcome(session, meeting_id, notification_id)
    contact_id = (
        _refer_to_mash(session, principal, notification, payload, keyring, on_contact_recorded)
        if payload.outcome is Outcome.refer_to_mash
        else None
    )
    now = utcnow()
    recorded = repository.set_outcome(
        session,
        notification.id,
        meeting.id,
        {
            "outcome": str(payload.outcome),
            "sealed_outcome_reason": keyring.seal(
                session,
                notification_key_id(notification.id),
                payload.reason.encode(),
                _context(notification.id, _OUTCOME_REASON),
            ),
            "outcome_by": principal.sub,
            "outcome_at": now,
            "contact_id": contact_id,
        },
    )
    if not recorded:
        raise Conflict("This notification already has an outcome.", code="outcome_recorded")
    if repository.outstanding_in_meeting(session, meeting.id) == 0:
        repository.close_meeting(session, meeting.id, now)
        log.info("triage.meeting_closed", meeting_id=str(meeting.id))
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            resource,
            subject_ids=_subjects([notification]),
            reason=f"triage outcome: {payload.outcome}",
        ),
    )
    log.info(
        "triage.outcome_recorded",
        notification_id=str(notification.id),
        outcome=str(payload.outcome),
    )
    session.refresh(
        notification,
        ["outcome", "sealed_outcome_reason", "outcome_by", "outcome_at", "contact_id"],
    )
    return _detail(session, keyring, notification)
