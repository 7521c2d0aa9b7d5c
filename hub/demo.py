"""Synthetic demo data: invented people, realistic shapes. Never real people."""

from __future__ import annotations

import random
from datetime import date, timedelta

from rich.console import Console
from rich.progress import Progress
from sqlalchemy import func, select

from hub.auth.principal import Principal, Role
from hub.contacts.models import Contact
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
from hub.keys.service import Keyring
from hub.settings import Settings

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


def seed_demo(
    settings: Settings, *, contacts: int, if_empty: bool, seed: int, console: Console
) -> int:
    from hub.app import kek_provider_for, working_calendar

    database = Database(make_engine(settings.database_url))
    keyring = Keyring(kek_provider_for(settings))
    calendar = working_calendar(settings)
    seeder = Principal(sub="demo-seeder", role=Role.mash_admin)
    rng = random.Random(seed)  # noqa: S311 (repeatable synthetic data, not secrets)
    if if_empty:
        with database.session() as session:
            if session.execute(select(func.count()).select_from(Contact)).scalar_one() > 0:
                return 0
    from hub.policy import decision_point
    from hub.policy.firewall import Firewall

    decision_point.install(Firewall(settings.policy_dir))
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("seeding contacts", total=contacts)
        for _ in range(contacts):
            with transaction(database) as session:
                create_contact(
                    session, seeder, demo_contact(rng), keyring=keyring, calendar=calendar
                )
            progress.advance(task)
    database.engine.dispose()
    return contacts
