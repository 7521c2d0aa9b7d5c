"""Synthetic demo data: invented people, realistic shapes, every state of the workflow.

Everything is written through the same services the API uses, by principals of the right
roles, so the demo hub's audit log reads like a real one. Never real people.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta

from rich.console import Console
from rich.progress import Progress

from hub.agencies.schemas import RecordIn
from hub.agencies.service import create_record
from hub.auth.principal import Principal, Role
from hub.bootstrap import install_firewall, kek_provider_for, working_calendar
from hub.contacts import repository as contacts_repository
from hub.contacts.schemas import (
    Channel,
    ConsentIn,
    ConsentStatus,
    ContactIn,
    PersonIn,
    ReferrerIn,
    WorryCategory,
)
from hub.contacts.service import create_contact
from hub.db import Database, make_engine, transaction
from hub.enquiries import checks, disclosures
from hub.enquiries import service as enquiries
from hub.enquiries.schemas import (
    CheckRequestIn,
    ChosenRecord,
    ConsentPosition,
    DisclosureIn,
    DisclosureKind,
    EnquiryIn,
    LawfulBasis,
)
from hub.keys.service import Keyring
from hub.kit.working_time import Rag
from hub.missing.schemas import ChildIn as MissingChildIn
from hub.missing.schemas import EpisodeIn, EpisodeType, ReporterIn, ReporterKind
from hub.missing.service import record_episode
from hub.products import service as products
from hub.products.schemas import AuthorisationIn, ProductIn, ProductOutcome
from hub.screening import service as screening
from hub.screening.schemas import ConsentOverrideIn, OutcomeIn, ScreeningDecision, ScreeningIn
from hub.settings import Settings
from hub.triage.schemas import AdultIn as DaAdultIn
from hub.triage.schemas import AdultRole, DaNotificationIn, RiskLevel
from hub.triage.schemas import ChildIn as DaChildIn
from hub.triage.service import receive_notifications

GIVEN = [
    "Amelia",
    "Noah",
    "Olivia",
    "Leo",
    "Isla",
    "Oscar",
    "Ava",
    "Arthur",
    "Mia",
    "Muhammad",
    "Freya",
    "Theo",
    "Zoë",
    "Harry",
    "Lily",
    "Jacob",
    "Aisha",
    "Kacper",
    "Maja",
    "Tomás",
]
FAMILY = [
    "Thornbury",
    "Ashdown",
    "Kestrel",
    "Wrenfield",
    "Marlow",
    "Okafor-Lane",
    "Brightwater",
    "Penhallow",
    "Delacourt",
    "Haverleigh",
    "Nowicka",
    "O'Callaghan",
    "Fenwick",
    "Sandholm",
]
STREETS = ["Larch Row", "Quarry Lane", "Mill Close", "Beacon Walk", "Ferry Road", "Orchard Way"]
INWARD = "ABDEFGHJLNPQRSTUWXYZ"
CONCERNS = [
    "Child arrived at school hungry again and in the same clothes as last week.",
    "Police attended a domestic incident at the home overnight; children were present.",
    "Young person has been missing from home twice this month and returned with new phones.",
    "Neighbour reports shouting and a child crying late at night over several weeks.",
    "Health visitor concerned about weight loss and missed appointments.",
    "Child disclosed to a teacher that an adult at home hits them with a belt.",
]
REASON = "Demo: pattern of concerns across agencies justifies this decision."
AGENCY_RECORDS = {
    "police": ("domestic_incident", "Officers attended; raised voices, child present."),
    "health": ("missed_appointments", "Two missed health visitor appointments."),
    "education": ("attendance", "Attendance below 80% this term."),
    "housing": ("tenancy", "Rent arrears and a complaint about noise."),
}


def _person(rng: random.Random, *, child: bool) -> PersonIn:
    today = date.today()  # noqa: DTZ011 (a demo date of birth needs no zone)
    age_days = rng.randint(200, 17 * 365) if child else rng.randint(19 * 365, 55 * 365)
    return PersonIn(
        given_name=rng.choice(GIVEN),
        family_name=rng.choice(FAMILY),
        date_of_birth=today - timedelta(days=age_days),
        address=f"{rng.randint(1, 120)} {rng.choice(STREETS)}, Riverton",
        postcode=f"RT{rng.randint(1, 9)} {rng.randint(1, 9)}{''.join(rng.sample(INWARD, 2))}",
    )


def demo_contact(rng: random.Random) -> ContactIn:
    consent = rng.choice(list(ConsentStatus))
    return ContactIn(
        channel=rng.choice(list(Channel)),
        children=[_person(rng, child=True) for _ in range(rng.randint(1, 3))],
        adults=[_person(rng, child=False) for _ in range(rng.randint(0, 2))],
        worries=rng.sample(list(WorryCategory), rng.randint(1, 2)),
        concern=rng.choice(CONCERNS),
        consent=ConsentIn(
            status=consent,
            reason="Seeking consent could place the child at risk of harm."
            if consent is ConsentStatus.not_sought
            else None,
        ),
        referrer=ReferrerIn(organisation="Riverton Primary School", role="Designated lead"),
    )


class DemoHub:
    """The demo's people and their services."""

    def __init__(self, settings: Settings, database: Database, keyring: Keyring) -> None:

        self.settings = settings
        self.database = database
        self.keyring = keyring
        self.calendar = working_calendar(settings)
        self.referrer = Principal("demo-teacher", Role.referrer)
        self.admin = Principal("demo-admin", Role.mash_admin)
        self.social_worker = Principal("demo-sw", Role.mash_social_worker)
        self.manager = Principal("demo-manager", Role.mash_manager)
        # The latest record each agency holds on the family being seeded.
        self._last_record: dict[str, uuid.UUID] = {}

    def rep(self, agency: str) -> Principal:
        return Principal(f"demo-{agency}-rep", Role.agency_rep, agency=agency)

    def case(self, rng: random.Random, stage: int) -> None:
        """One contact taken as far as ``stage`` (0 received ... 5 product sent)."""
        payload = demo_contact(rng)
        with transaction(self.database) as session:
            contact = create_contact(
                session,
                self.referrer,
                payload,
                keyring=self.keyring,
                on_recorded=screening.screening_starter(self.calendar),
            )
        if stage == 0:
            return
        rag = rng.choice(list(Rag))
        with transaction(self.database) as session:
            screening.screen_contact(
                session,
                self.social_worker,
                contact.id,
                ScreeningIn(threshold_level=rng.randint(2, 4), threshold_reason=REASON, rag=rag),
                keyring=self.keyring,
                calendar=self.calendar,
            )
        if stage == 1:
            return
        if stage == 2:
            outcome = rng.choice(
                [ScreeningDecision.nfa, ScreeningDecision.signpost, ScreeningDecision.early_help]
            )
            self._decide(contact.id, outcome)
            return
        self._last_record = {}
        self._records_for(rng, payload.children[0])
        if payload.consent.status is not ConsentStatus.obtained:
            with transaction(self.database) as session:
                screening.override_consent(
                    session,
                    self.manager,
                    contact.id,
                    ConsentOverrideIn(reason=REASON),
                    keyring=self.keyring,
                    calendar=self.calendar,
                )
        self._decide(contact.id, ScreeningDecision.mash_enquiry)
        with transaction(self.database) as session:
            enquiry = enquiries.open_enquiry(
                session, self.social_worker, EnquiryIn(contact_id=contact.id)
            )
            requests = checks.request_checks(
                session,
                self.social_worker,
                enquiry.id,
                CheckRequestIn(
                    agencies=list(AGENCY_RECORDS), question="Any involvement with this family?"
                ),
                keyring=self.keyring,
                calendar=self.calendar,
                known_agencies=self.settings.agencies,
            )
        if stage == 3:
            return
        disclosed = []
        for request in requests:
            with transaction(self.database) as session:
                disclosure = disclosures.disclose(
                    session,
                    self.rep(request.agency),
                    request.id,
                    self._answer(request.agency),
                    keyring=self.keyring,
                )
                if disclosure.kind not in ("no_information", "decline"):
                    disclosed.append(disclosure.id)
        if stage == 4:
            return
        with transaction(self.database) as session:
            product = products.compile_product(
                session,
                self.social_worker,
                enquiry.id,
                ProductIn(
                    analysis="Demo analysis: the agencies' information together shows a pattern.",
                    proposed_outcome=rng.choice(
                        [
                            ProductOutcome.child_in_need_assessment,
                            ProductOutcome.strategy_discussion,
                        ]
                    ),
                    disclosure_ids=disclosed,
                ),
                keyring=self.keyring,
                calendar=self.calendar,
                rota_start=self.settings.rota_start,
                known_teams=self.settings.teams,
            )
            products.authorise_product(
                session,
                self.manager,
                product.id,
                AuthorisationIn(decision="authorise", reason=REASON),
                keyring=self.keyring,
            )
            products.disseminate_product(session, self.manager, product.id, keyring=self.keyring)

    def domestic_abuse(self, rng: random.Random, count: int) -> None:
        """A night's police notifications, for the daily triage meeting."""
        now = datetime.now(UTC)
        notifications = []
        for number in range(count):
            family = rng.choice(FAMILY)
            child = _person(rng, child=True)
            notifications.append(
                (
                    number,
                    DaNotificationIn(
                        police_reference=f"DA/{now:%y%m%d}/{number:04d}",
                        incident_at=now - timedelta(hours=rng.randint(2, 40)),
                        address=f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
                        postcode=child.postcode or "RT1 1AA",
                        risk_level=rng.choice(list(RiskLevel)),
                        adults=[
                            DaAdultIn(
                                role=AdultRole.victim,
                                given_name=rng.choice(GIVEN),
                                family_name=family,
                            ),
                            DaAdultIn(
                                role=AdultRole.alleged_perpetrator,
                                given_name=rng.choice(GIVEN),
                                family_name=family,
                            ),
                        ],
                        children=[
                            DaChildIn(
                                given_name=child.given_name,
                                family_name=family,
                                date_of_birth=child.date_of_birth,
                            )
                        ],
                        circumstances="Verbal argument escalated; children at home.",
                    ),
                )
            )
        with transaction(self.database) as session:
            receive_notifications(session, self.rep("police"), notifications, keyring=self.keyring)

    def missing(self, rng: random.Random, count: int) -> None:
        now = datetime.now(UTC)
        for _ in range(count):
            child = _person(rng, child=True)
            started = now - timedelta(hours=rng.randint(30, 400))
            returned = started + timedelta(hours=rng.randint(3, 30)) if rng.random() < 0.8 else None
            with transaction(self.database) as session:
                record_episode(
                    session,
                    self.admin,
                    EpisodeIn(
                        episode_type=rng.choice(list(EpisodeType)),
                        started_at=started,
                        returned_at=returned,
                        child=MissingChildIn(
                            given_name=child.given_name or "Sam",
                            family_name=child.family_name or "Doe",
                            date_of_birth=child.date_of_birth or date(2012, 1, 1),
                        ),
                        reported_by=ReporterIn(kind=rng.choice(list(ReporterKind))),
                    ),
                    keyring=self.keyring,
                )

    def _decide(self, contact_id: uuid.UUID, outcome: ScreeningDecision) -> None:
        with transaction(self.database) as session:
            screening.decide_outcome(
                session,
                self.social_worker,
                contact_id,
                OutcomeIn(outcome=outcome, reason=REASON),
                keyring=self.keyring,
                calendar=self.calendar,
                rota_start=self.settings.rota_start,
            )

    def _records_for(self, rng: random.Random, child: PersonIn) -> None:
        for agency, (record_type, summary) in AGENCY_RECORDS.items():
            if agency == "housing" and rng.random() < 0.5:
                continue
            with transaction(self.database) as session:
                record = create_record(
                    session,
                    self.rep(agency),
                    agency,
                    RecordIn(
                        source_ref=f"{agency.upper()}-{uuid.uuid4().hex[:8]}",
                        given_name=child.given_name,
                        family_name=child.family_name,
                        date_of_birth=child.date_of_birth,
                        postcode=child.postcode,
                        record_type=record_type,
                        occurred_on=date(2026, 10, rng.randint(1, 28)),
                        summary=summary,
                    ),
                    keyring=self.keyring,
                )
                self._last_record[agency] = record.id

    def _answer(self, agency: str) -> DisclosureIn:
        record_id = self._last_record.get(agency)
        if record_id is None:
            return DisclosureIn(kind=DisclosureKind.no_information)
        basis = LawfulBasis.law_enforcement if agency == "police" else LawfulBasis.safeguarding
        return DisclosureIn(
            kind=DisclosureKind.fields,
            records=[
                ChosenRecord(record_id=record_id, fields=["record_type", "occurred_on", "summary"])
            ],
            purpose="safeguarding enquiry",
            lawful_basis=basis,
            consent=ConsentPosition.not_sought,
            proportionality="Recent and directly relevant to the child's safety.",
        )


def seed_demo(
    settings: Settings, *, contacts: int, if_empty: bool, seed: int, console: Console
) -> int:
    database = Database(make_engine(settings.database_url))
    rng = random.Random(seed)  # noqa: S311 (repeatable synthetic data, not secrets)
    if if_empty:
        with database.session() as session:
            if contacts_repository.any_contacts(session):
                return 0
    install_firewall(settings.policy_dir)
    demo = DemoHub(settings, database, Keyring(kek_provider_for(settings)))
    # Most contacts end at screening; fewer reach an enquiry, as in a real hub.
    stages = [0] * 2 + [1] * 2 + [2] * 4 + [3, 4, 5]
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("seeding the demo hub", total=contacts)
        for _ in range(contacts):
            demo.case(rng, rng.choice(stages))
            progress.advance(task)
        progress.update(task, description="seeding police notifications and missing episodes")
        demo.domestic_abuse(rng, max(5, contacts // 10))
        demo.missing(rng, max(3, contacts // 20))
    database.engine.dispose()
    return contacts
