"""The retention schedule: a closed case is destroyed by destroying its key.

Each case (a contact and all that grew from it), police notification and missing episode
seals under a key of its own (:mod:`hub.keys.service`). Once a case has been closed for the
period its outcome is kept (``HUB_RETENTION_*``), its key is destroyed, every version, as
``mash-hub keys shred`` destroys a record's: its content, its reasons and the audit texts
sealed under it can never be opened again, in the database or in any backup of it. Its
people leave the person index (a blind index left behind would still show that a child was
referred). The audit log keeps its entries and their commitments, so it still verifies,
and gains exactly one entry per case destroyed, naming the key and ids, never a person.

A case on legal hold is never destroyed. Each case is claimed by a conditional update
(:func:`hub.retention.repository.claim_case`), so two processes running the schedule at
once destroy it once, and a hold placed first wins.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import structlog
from sqlalchemy.orm import Session

from hub.agencies.keys import zero_freed_space
from hub.audit import service as audit
from hub.auth.principal import Principal, Role
from hub.db import Database, transaction, utcnow
from hub.keys.hub_store import hub_sealed_columns
from hub.keys.service import (
    HUB_KEY_ID,
    Keyring,
    case_key_id,
    episode_key_id,
    notification_key_id,
)
from hub.kit.crypto.envelope import sealed_key_ref
from hub.missing.repository import MISSING_STORE
from hub.people import repository as people
from hub.people.service import CONTACT_ADDRESS_STORE, CONTACT_STORE
from hub.policy.decision_point import allowed_event, require
from hub.policy.firewall import Resource
from hub.policy.vocabulary import Action, Kind
from hub.retention import repository
from hub.settings import Settings
from hub.triage.repository import DA_STORE

log = structlog.get_logger()

# Who runs the schedule in the service's background: a system administrator's action.
BACKGROUND_PRINCIPAL = Principal(sub="system:retention", role=Role.sysadmin)

# Product outcomes that went on to statutory social work (s17 and s47).
STATUTORY_OUTCOMES = ("child_in_need_assessment", "strategy_discussion")


class Destroyable(StrEnum):
    case = "case"
    notification = "notification"
    episode = "episode"


@dataclass(frozen=True, slots=True)
class RetentionSchedule:
    """Years kept after closing, by outcome (the settings' ``HUB_RETENTION_*``)."""

    nfa_years: int
    early_help_years: int
    statutory_years: int
    da_notification_years: int
    missing_episode_years: int

    @classmethod
    def from_settings(cls, settings: Settings) -> RetentionSchedule:
        return cls(
            nfa_years=settings.retention_nfa_years,
            early_help_years=settings.retention_early_help_years,
            statutory_years=settings.retention_statutory_years,
            da_notification_years=settings.retention_da_notification_years,
            missing_episode_years=settings.retention_missing_episode_years,
        )

    def case_years(self, outcome: str) -> int:
        if outcome in STATUTORY_OUTCOMES:
            return self.statutory_years
        if outcome == "early_help":
            return self.early_help_years
        return self.nfa_years  # no further action, signposting


@dataclass(frozen=True, slots=True)
class Due:
    """One case past its date: ids, outcome code and dates, never its content."""

    kind: Destroyable
    id: uuid.UUID
    outcome: str
    closed_on: date
    due_on: date
    held: bool = False

    @property
    def key_id(self) -> str:
        if self.kind is Destroyable.case:
            return case_key_id(self.id)
        if self.kind is Destroyable.notification:
            return notification_key_id(self.id)
        return episode_key_id(self.id)


@dataclass
class RetentionRun:
    due: list[Due]
    destroyed: list[Due]

    @property
    def held(self) -> list[Due]:
        return [d for d in self.due if d.held]


def add_years(moment: datetime, years: int) -> datetime:
    """The same day ``years`` later (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def due_now(session: Session, schedule: RetentionSchedule, now: datetime) -> list[Due]:
    """Every case, notification and episode past its date at ``now``, the oldest first."""
    found: list[Due] = []
    shortest = min(schedule.nfa_years, schedule.early_help_years, schedule.statutory_years)
    closed_before = add_years(now, -shortest)
    for rows in (
        repository.closed_at_screening(session, closed_before=closed_before),
        repository.closed_by_product(session, closed_before=closed_before),
    ):
        for contact_id, outcome, closed_at, held_since in rows:
            if outcome is None or closed_at is None:
                continue  # the query asks for both; the types cannot say so
            due = add_years(closed_at, schedule.case_years(outcome))
            if due <= now:
                found.append(
                    Due(
                        Destroyable.case,
                        contact_id,
                        outcome,
                        closed_at.date(),
                        due.date(),
                        held=held_since is not None,
                    )
                )
    years = schedule.da_notification_years
    for notification_id, outcome, closed_at in repository.notifications_closed(
        session, closed_before=add_years(now, -years)
    ):
        found.append(
            Due(
                Destroyable.notification,
                notification_id,
                outcome,
                closed_at.date(),
                add_years(closed_at, years).date(),
            )
        )
    years = schedule.missing_episode_years
    for episode_id, episode_type, returned_at in repository.episodes_returned(
        session, closed_before=add_years(now, -years)
    ):
        if returned_at is None:
            continue
        found.append(
            Due(
                Destroyable.episode,
                episode_id,
                episode_type,
                returned_at.date(),
                add_years(returned_at, years).date(),
            )
        )
    return sorted(found, key=lambda d: (d.due_on, d.kind, str(d.id)))


def plan(
    session: Session, principal: Principal, schedule: RetentionSchedule, now: datetime
) -> list[Due]:
    """What a run at ``now`` would destroy, and what it would keep because it is held."""
    resource = Resource(Kind.key)
    decision = require(principal, Action.list, resource)
    found = due_now(session, schedule, now)
    audit.record(
        session,
        principal,
        allowed_event(decision, resource, reason=f"retention dry run: {len(found)} due"),
    )
    return found


def destroy(
    session: Session, principal: Principal, due: Due, *, keyring: Keyring, now: datetime
) -> bool:
    """Destroy one case's key and forget its people; False if it was held, or another
    process destroyed it first."""
    resource = Resource(Kind.key, id=due.key_id)
    decision = require(principal, Action.shred, resource)
    subjects: list[uuid.UUID] = []
    stores: tuple[str, ...]
    if due.kind is Destroyable.case:
        subjects = repository.people_of_case(session, due.id)
        claimed = repository.claim_case(session, due.id, now)
        rows, stores = repository.rows_of_case(due.id), (CONTACT_STORE, CONTACT_ADDRESS_STORE)
    elif due.kind is Destroyable.notification:
        claimed = repository.claim_notification(session, due.id, now)
        rows, stores = repository.rows_of_notification(due.id), (DA_STORE,)
    else:
        claimed = repository.claim_episode(session, due.id, now)
        rows, stores = repository.rows_of_episode(due.id), (MISSING_STORE,)
    if not claimed:
        return False
    zero_freed_space(session)
    _seal_older_values_under_case_key(session, keyring, due.key_id, rows)
    versions = keyring.shred(session, due.key_id)
    forgotten = people.remove_entries_of(session, stores, due.id)
    audit.record(
        session,
        principal,
        allowed_event(
            decision,
            resource,
            subject_ids=[str(s) for s in subjects],
            reason=(
                f"retention: {due.kind} closed {due.closed_on.isoformat()} ({due.outcome}), "
                f"due {due.due_on.isoformat()}; {len(versions)} key version(s) destroyed"
            ),
        ),
    )
    log.info(
        "retention.destroyed",
        kind=str(due.kind),
        id=str(due.id),
        outcome=due.outcome,
        index_entries=forgotten,
    )
    return True


def _seal_older_values_under_case_key(
    session: Session, keyring: Keyring, key_id: str, rows: dict[str, Any]
) -> None:
    """Values of the case sealed under the hub key before cases had keys of their own are
    sealed under the case's key first, so that destroying it destroys them too."""
    for column in hub_sealed_columns():
        statement = rows.get(column.table.name)
        if statement is None:
            continue
        values = repository.sealed_values_in(
            session, column.table.c[column.key], column.table.c[column.column], statement
        )
        for row_id, sealed in values:
            if sealed_key_ref(sealed)[0] != HUB_KEY_ID:
                continue
            context = column.context(row_id)
            plaintext = keyring.open(session, sealed, context)
            column.replace(session, row_id, keyring.seal(session, key_id, plaintext, context))


def run(
    database: Database,
    principal: Principal,
    schedule: RetentionSchedule,
    *,
    keyring: Keyring,
    now: datetime | None = None,
    dry_run: bool = False,
) -> RetentionRun:
    """Run the schedule at ``now``: each case destroyed in a transaction of its own, so one
    that fails leaves the others done."""
    now = now or utcnow()
    with transaction(database) as session:
        found = (
            plan(session, principal, schedule, now) if dry_run else due_now(session, schedule, now)
        )
    destroyed: list[Due] = []
    if not dry_run:
        for due in found:
            if due.held:
                continue
            with transaction(database) as session:
                if destroy(session, principal, due, keyring=keyring, now=now):
                    destroyed.append(due)
    log.info(
        "retention.run",
        due=len(found),
        destroyed=len(destroyed),
        held=sum(1 for d in found if d.held),
        dry_run=dry_run,
    )
    return RetentionRun(found, destroyed)


def background_worker(
    settings: Settings,
    database: Database,
    keyring: Keyring,
    stop: threading.Event,
    *,
    clock: Callable[[], datetime] = utcnow,
    wait: Callable[[float], bool] | None = None,
) -> list[threading.Thread]:
    """The schedule run every ``HUB_RETENTION_INTERVAL_SECONDS`` in the service (none when 0).

    ``wait(seconds)`` returns True when the service is stopping (``stop.wait`` unless given),
    and ``clock`` says what time it is; a test gives both rather than waiting for either.
    """
    if settings.retention_interval_seconds <= 0:
        return []
    schedule = RetentionSchedule.from_settings(settings)
    until_next = wait or stop.wait

    def every_interval() -> None:
        while not until_next(settings.retention_interval_seconds):
            try:
                run(database, BACKGROUND_PRINCIPAL, schedule, keyring=keyring, now=clock())
            except Exception as error:
                log.error("retention.run_failed", error_type=type(error).__name__)

    return [threading.Thread(target=every_interval, daemon=True, name="retention")]
