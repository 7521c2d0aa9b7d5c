"""Deterministic synthetic agency records: invented people, realistic messiness.

``python bench/datagen.py --records 1000000 --out var/bench-data`` writes one CSV per
agency (8 agencies). The same seed always gives the same files. People recur across
agencies (that is what an agency check finds), and each agency writes them its own way:
case, spacing, hyphens, apostrophes, diacritics, date formats, postcodes with and
without a space, missing identifiers. Never real people.
"""

from __future__ import annotations

import argparse
import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from hub.agencies.rows import KNOWN_COLUMNS

AGENCIES = (
    "police",
    "health",
    "education",
    "housing",
    "probation",
    "youth_justice",
    "early_years",
    "ambulance",
)
# The columns an import knows, in their documented order, and one kept as details.
COLUMNS = (*KNOWN_COLUMNS, "team")
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
    "Siân",
    "Eoin",
    "Niamh",
    "Oluwaseun",
    "Chidi",
    "Priya",
    "Arjun",
    "Fatima",
    "Yusuf",
    "Ellis",
    "Rowan",
    "Sienna",
    "Ezra",
    "Ada",
    "Hugo",
    "Iris",
    "Milo",
    "Nell",
    "Otis",
    "Wren",
]
FAMILY_STEMS = [
    "Thorn",
    "Ash",
    "Kestrel",
    "Wren",
    "Marl",
    "Okafor",
    "Bright",
    "Pen",
    "Dela",
    "Haver",
    "Nowick",
    "O'Callagh",
    "Fen",
    "Sand",
    "Brook",
    "Hollin",
    "Stain",
    "Wick",
    "Garr",
    "Lowe",
    "Moss",
    "Pryce",
    "Quill",
    "Rook",
    "Tall",
    "Vail",
    "Yarr",
    "Zell",
    "Abel",
    "Birk",
]
FAMILY_ENDS = [
    "bury",
    "down",
    "field",
    "low",
    "hallow",
    "court",
    "leigh",
    "wood",
    "ton",
    "by",
    "worth",
    "more",
    "ham",
    "ley",
    "ford",
    "ridge",
]
STREETS = [
    "Larch Row",
    "Quarry Lane",
    "Mill Close",
    "Beacon Walk",
    "Ferry Road",
    "Orchard Way",
    "Kiln Street",
]
AREAS = ("RT", "RV", "BN", "ME", "CT", "TN")
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
RECORD_TYPES = ("incident", "attendance", "referral", "visit", "tenancy", "supervision")
SUMMARIES = (
    "Attended the address after a call from a neighbour.",
    "Missed two appointments in a row.",
    "Attendance below 80 per cent this term.",
    "Rent arrears; family at risk of eviction.",
    "Adult in the household under supervision.",
    "Seen in A&E with a minor injury.",
)
TODAY = date(2025, 1, 1)


@dataclass(frozen=True, slots=True)
class Person:
    given: str
    family: str
    dob: date
    nhs: str | None
    postcode: str
    street: str


def nhs_number(rng: random.Random) -> str:
    while True:
        digits = [rng.randint(0, 9) for _ in range(9)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        check = 0 if check == 11 else check
        if check != 10 and len(set(digits)) > 1:
            return "".join(map(str, digits)) + str(check)


def make_person(rng: random.Random) -> Person:
    family = rng.choice(FAMILY_STEMS) + rng.choice(FAMILY_ENDS)
    if rng.random() < 0.08:
        family += "-" + rng.choice(FAMILY_STEMS) + rng.choice(FAMILY_ENDS)
    area = rng.choice(AREAS)
    postcode = (
        f"{area}{rng.randint(1, 19)} {rng.randint(0, 9)}{''.join(rng.sample(INWARD_LETTERS, 2))}"
    )
    return Person(
        given=rng.choice(GIVEN),
        family=family,
        dob=TODAY - timedelta(days=rng.randint(30, 17 * 365 + 300)),
        nhs=nhs_number(rng) if rng.random() < 0.85 else None,
        postcode=postcode,
        street=f"{rng.randint(1, 200)} {rng.choice(STREETS)}",
    )


def people(count: int, seed: int = 1) -> list[Person]:
    rng = random.Random(seed)
    return [make_person(rng) for _ in range(count)]


def _messy_name(rng: random.Random, name: str) -> str:
    roll = rng.random()
    if roll < 0.2:
        return name.upper()
    if roll < 0.3:
        return f"  {name.lower()} "
    return name


def _messy_dob(rng: random.Random, dob: date) -> str:
    return rng.choice(
        (dob.isoformat(), dob.strftime("%d/%m/%Y"), f"{dob.day} {dob.strftime('%B %Y')}")
    )


def _messy_nhs(rng: random.Random, nhs: str | None, agency: str) -> str:
    if nhs is None or agency not in ("health", "ambulance", "education", "early_years"):
        return "" if rng.random() < 0.7 or nhs is None else nhs
    return f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}" if rng.random() < 0.5 else nhs


def agency_rows(
    agency: str, count: int, population: list[Person], seed: int = 1
) -> Iterator[dict[str, str]]:
    rng = random.Random(f"{seed}:{agency}")
    for i in range(count):
        person = rng.choice(population)
        postcode = person.postcode if rng.random() < 0.6 else person.postcode.replace(" ", "")
        yield {
            "source_ref": f"{agency[:3].upper()}-{i:08d}",
            "given_name": _messy_name(rng, person.given),
            "family_name": _messy_name(rng, person.family),
            "date_of_birth": _messy_dob(rng, person.dob),
            "nhs_number": _messy_nhs(rng, person.nhs, agency),
            "postcode": postcode.lower() if rng.random() < 0.2 else postcode,
            "address_line": f"{person.street}, Riverton",
            "record_type": rng.choice(RECORD_TYPES),
            "occurred_on": (TODAY - timedelta(days=rng.randint(0, 1500))).isoformat(),
            "summary": rng.choice(SUMMARIES),
            "team": f"team-{rng.randint(1, 12)}",
        }


def population_for(records: int) -> list[Person]:
    # About three records per person across the agencies.
    return people(max(10, records // 3))


def write_agency_files(records: int, out: Path, seed: int = 1) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    population = population_for(records)
    per_agency = records // len(AGENCIES)
    paths: dict[str, Path] = {}
    for index, agency in enumerate(AGENCIES):
        count = per_agency + (records % len(AGENCIES) if index == 0 else 0)
        path = out / f"{agency}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(agency_rows(agency, count, population, seed))
        paths[agency] = path
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=Path("var/bench-data"))
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    paths = write_agency_files(args.records, args.out, args.seed)
    for agency, path in paths.items():
        print(f"{agency}: {path}")


if __name__ == "__main__":
    main()
