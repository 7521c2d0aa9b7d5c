"""Identifier normalisation and matching passes, on the messiness of real records."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from hub.people.normalise import (
    MATCH_VALUE_SEPARATOR,
    MatchKey,
    PersonIdentifiers,
    matching_keys,
    normalise_dob,
    normalise_name,
    normalise_nhs_number,
    normalise_postcode,
    nysiis,
    postcode_district,
)

TODAY = date(2025, 6, 1)

# --- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variants",
    [
        ["O'Brien", "O\u2019Brien", "O\u2018Brien", "OBrien", "o brien", "  O'BRIEN  ", "O. Brien"],
        ["Smith-Jones", "Smith Jones", "smith  jones", "SMITH\u2013JONES", "Smith-Jones "],
        ["Müller", "Muller", "MÜLLER", "Mu\u0308ller"],  # precomposed and combining umlaut
        ["Zoë", "Zoe", "ZOË"],
        ["Łukasz", "Lukasz"],
        ["José", "Jose"],
        ["Søren", "Soren"],
        ["Đorđe", "Dorde"],
        ["Æsa", "Aesa"],
        ["Straße", "Strasse"],
        ["Mary-Jane", "Mary Jane", "Maryjane"],
    ],
)
def test_spelling_variants_give_the_same_name_key(variants: list[str]) -> None:
    assert len({normalise_name(variant) for variant in variants}) == 1


def test_name_key_is_lower_case_letters_only() -> None:
    assert normalise_name("  Anne-Marie O\u2019Neil-Smith. ") == "annemarieoneilsmith"


def test_transliterations_that_add_letters_are_not_merged() -> None:
    # "Mueller" for "Müller" is left to the phonetic passes.
    assert normalise_name("Mueller") != normalise_name("Müller")
    assert nysiis("Mueller") == nysiis("Müller")


@pytest.mark.parametrize("blank", ["", "   ", "-", "'", "...", "123"])
def test_name_without_letters_is_missing(blank: str) -> None:
    assert normalise_name(blank) == ""


def test_non_latin_names_are_kept() -> None:
    assert normalise_name("Анна") == "анна"


# --- NYSIIS (reference values: Taft 1970 as published by dropby.com, and the Apache
# Commons Codec test suite) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("MACINTOSH", "MCANT"),
        ("KNUTH", "NAT"),
        ("KOEHN", "CAN"),
        ("PHILLIPSON", "FALAPSAN"),
        ("PFEISTER", "FASTAR"),
        ("SCHOENHOEFT", "SANAFT"),
        ("MCKEE", "MCY"),
        ("MACKIE", "MCY"),
        ("HEITSCHMIDT", "HATSNAD"),
        ("BART", "BAD"),
        ("HURD", "HAD"),
        ("HUNT", "HAD"),
        ("WESTERLUND", "WASTARLAD"),
        ("CASSTEVENS", "CASTAFAN"),
        ("VASQUEZ", "VASG"),
        ("FRAZIER", "FRASAR"),
        ("BOWMAN", "BANAN"),
        ("MCKNIGHT", "MCNAGT"),
        ("RICKERT", "RACAD"),
        ("DEUTSCH", "DAT"),
        ("WESTPHAL", "WASTFAL"),
        ("SHRIVER", "SRAVAR"),
        ("KUHL", "CAL"),
        ("RAWSON", "RASAN"),
        ("JILES", "JAL"),
        ("CARRAWAY", "CARY"),
        ("YAMADA", "YANAD"),
        ("O'Daniel", "ODANAL"),
        ("O'Donnel", "ODANAL"),
        ("Cory", "CARY"),
        ("Corey", "CARY"),
        ("Kory", "CARY"),
        ("FUZZY", "FASY"),
        ("Kobwick", "CABWAC"),
        ("Kocher", "CACAR"),
        ("Fesca", "FASC"),
        ("Shom", "SAN"),
        ("Ohlo", "OL"),
        ("Uhu", "UH"),
        ("Um", "UN"),
        ("Phil", "FAL"),
        ("Dent", "DAD"),
        ("Schmidt", "SNAD"),
    ],
)
def test_nysiis_reference_values(name: str, code: str) -> None:
    assert nysiis(name) == code


@pytest.mark.parametrize(
    ("names", "code"),
    [
        (["Brian", "Brown", "Brun"], "BRAN"),
        (["Capp", "Cope", "Copp", "Kipp"], "CAP"),
        (["Dane", "Dean", "Dionne"], "DAN"),
        (["Smith", "Schmit"], "SNAT"),
        (["Trueman", "Truman"], "TRANAN"),
    ],
)
def test_nysiis_groups_spelling_variants(names: list[str], code: str) -> None:
    assert {nysiis(name) for name in names} == {code}


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("XEE", "XY"),
        ("XIE", "XY"),
        ("XDT", "XD"),
        ("XRT", "XD"),
        ("XND", "XD"),
        ("XEV", "XAF"),
        ("XQ", "XG"),
        ("XZ", "X"),
        ("XM", "XN"),
        ("XSS", "X"),
        ("XAYS", "XY"),
        ("XAS", "X"),
    ],
)
def test_nysiis_rules(name: str, code: str) -> None:
    assert nysiis(name) == code


def test_nysiis_ignores_diacritics_and_punctuation() -> None:
    assert nysiis("Zoë") == nysiis("Zoe")
    assert nysiis("O\u2019Brien") == nysiis("OBrien") == "OBRAN"


def test_nysiis_of_nothing_is_empty() -> None:
    assert nysiis("") == ""
    assert nysiis("Анна") == ""


def test_nysiis_never_encodes_a_name_to_nothing() -> None:
    assert nysiis("As") == "A"


# --- dates of birth --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "2014-03-07",
        "07/03/2014",
        "7/3/2014",
        "07-03-2014",
        "07.03.2014",
        "7 March 2014",
        "7 Mar 2014",
        "7 mar. 2014",
        "7th March 2014",
        "  07/03/2014  ",
        "20140307",
        "2014-3-7",
    ],
)
def test_date_formats_give_iso(written: str) -> None:
    assert normalise_dob(written, today=TODAY) == "2014-03-07"


def test_slash_dates_are_day_first() -> None:
    assert normalise_dob("05/04/2014", today=TODAY) == "2014-04-05"


def test_date_objects_are_accepted() -> None:
    assert normalise_dob(date(2014, 3, 7), today=TODAY) == "2014-03-07"
    assert normalise_dob(datetime(2014, 3, 7, 12, 0), today=TODAY) == "2014-03-07"  # noqa: DTZ001


def test_born_today_is_accepted() -> None:
    assert normalise_dob("2025-06-01", today=TODAY) == "2025-06-01"


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("31/02/2014", "not a valid date"),
        ("29/02/2015", "not a valid date"),
        ("00/03/2014", "not a valid date"),
        ("07/13/2014", "not a valid date"),
        ("20141307", "not a valid date"),
        ("02/06/2025", "in the future"),
        ("2099-01-01", "in the future"),
        ("07/03/14", "recognised format"),
        ("07/03-2014", "recognised format"),
        ("March 7 2014", "recognised format"),
        ("", "recognised format"),
        ("7 Smarch 2014", "unknown month"),
        ("1014-03-07", "implausibly early"),
    ],
)
def test_bad_dates_are_refused_without_quoting_them(written: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as failure:
        normalise_dob(written, today=TODAY)

    message = str(failure.value)
    assert message.startswith("date of birth")
    for fragment in (written.strip(), "2014", "2015", "2099", "1014", "Smarch"):
        if fragment:
            assert fragment not in message


def test_leap_day_is_accepted() -> None:
    assert normalise_dob("29/02/2016", today=TODAY) == "2016-02-29"


def test_default_today_refuses_far_future_dates() -> None:
    with pytest.raises(ValueError, match="future"):
        normalise_dob("01/01/2999")


# --- NHS numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "digits"),
    [
        ("943 476 5919", "9434765919"),
        ("9434765919", "9434765919"),
        ("943-476-5919", "9434765919"),
        (" 401 023 2137 ", "4010232137"),
    ],
)
def test_valid_nhs_numbers(written: str, digits: str) -> None:
    assert normalise_nhs_number(written) == digits


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("943 476 5918", "check digit"),  # one digit off
        ("401 023 2138", "check digit"),
        ("123 456 7890", "check digit"),  # first nine digits give check digit 10
        ("943 476 591", "10 digits"),
        ("943 476 59190", "10 digits"),
        ("943/476/5919", "10 digits"),
        ("ABC 476 5919", "10 digits"),
        ("0000000000", "placeholder"),
        ("1111111111", "placeholder"),
    ],
)
def test_invalid_nhs_numbers_are_refused_without_quoting_them(written: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as failure:
        normalise_nhs_number(written)

    digits_only = "".join(character for character in written if character.isdigit())
    assert digits_only not in str(failure.value)
    assert written not in str(failure.value)


def test_check_digit_ten_is_refused() -> None:
    # 1234567890: weighted sum 1*10+2*9+...+9*2 = 210, 210 % 11 = 1, check digit 11-1 = 10.
    with pytest.raises(ValueError, match="check digit"):
        normalise_nhs_number("1234567890")


# --- postcodes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "canonical", "district"),
    [
        ("SW1A 1AA", "SW1A 1AA", "SW1A"),
        ("sw1a1aa", "SW1A 1AA", "SW1A"),
        ("  Sw1A   1aA ", "SW1A 1AA", "SW1A"),
        ("EC1A 1BB", "EC1A 1BB", "EC1A"),
        ("W1A 0AX", "W1A 0AX", "W1A"),
        ("M1 1AE", "M1 1AE", "M1"),
        ("B338TH", "B33 8TH", "B33"),
        ("CR2 6XH", "CR2 6XH", "CR2"),
        ("DN55 1PT", "DN55 1PT", "DN55"),
        ("gir 0aa", "GIR 0AA", "GIR"),
    ],
)
def test_postcodes(written: str, canonical: str, district: str) -> None:
    assert normalise_postcode(written) == canonical
    assert postcode_district(written) == district


@pytest.mark.parametrize(
    "written",
    ["", "SW1A", "SW1A 1A", "1AA SW1A", "QW1A 1AA", "SW1A 1CA", "SW1A-1AA", "GIR 1AA", "XX"],
)
def test_invalid_postcodes_are_refused_without_quoting_them(written: str) -> None:
    with pytest.raises(ValueError, match="not a valid UK postcode") as failure:
        normalise_postcode(written)
    with pytest.raises(ValueError, match="not a valid UK postcode"):
        postcode_district(written)

    if written:
        assert written not in str(failure.value)


# --- matching passes --------------------------------------------------------------------------


def _by_pass(person: PersonIdentifiers) -> dict[str, MatchKey]:
    return {key.pass_name: key for key in matching_keys(person)}


ZOE = PersonIdentifiers(
    given_name="Zoë",
    family_name="O\u2019Brien",
    date_of_birth="07/03/2014",
    nhs_number="943 476 5919",
    postcode="sw1a1aa",
)


def test_all_passes_for_a_complete_record() -> None:
    keys = _by_pass(ZOE)

    assert {name: key.strength for name, key in keys.items()} == {
        "nhs": "strong",
        "family_dob": "strong",
        "given_family_dob": "strong",
        "phonetic_given_family_dob": "medium",
        "phonetic_yob_district": "medium",
        "given_dob_district": "medium",
    }
    assert keys["nhs"].value == "9434765919"
    assert keys["family_dob"].value == "obrien\x1f2014-03-07"
    assert keys["given_family_dob"].value == "zoe\x1fobrien\x1f2014-03-07"
    assert keys["phonetic_yob_district"].value == "OBRAN\x1fZ\x1f2014\x1fSW1A"
    assert keys["given_dob_district"].value == "zoe\x1f2014-03-07\x1fSW1A"


def test_the_same_child_recorded_differently_gives_the_same_values() -> None:
    school_record = PersonIdentifiers(
        given_name="ZOE",
        family_name="OBrien",
        date_of_birth="2014-03-07",
        nhs_number="9434765919",
        postcode="SW1A 1AA",
    )

    assert matching_keys(school_record) == matching_keys(ZOE)


def test_changed_family_name_still_matches_on_given_dob_district() -> None:
    after_move = PersonIdentifiers(
        given_name="Zoe", family_name="Kowalski", date_of_birth="7 March 2014", postcode="SW1A 2AA"
    )

    shared = {
        pass_name
        for pass_name, key in _by_pass(after_move).items()
        if _by_pass(ZOE).get(pass_name) == key
    }

    assert shared == {"given_dob_district"}


def test_misspelt_name_still_matches_on_phonetic_passes() -> None:
    misspelt = PersonIdentifiers(
        given_name="Brian", family_name="Smith", date_of_birth="2015-01-02", postcode="M1 1AE"
    )
    variant = PersonIdentifiers(
        given_name="Brun", family_name="Schmit", date_of_birth="2015-01-02", postcode="M1 2AB"
    )

    shared = {
        pass_name
        for pass_name, key in _by_pass(misspelt).items()
        if _by_pass(variant).get(pass_name) == key
    }

    assert shared == {"phonetic_given_family_dob", "phonetic_yob_district"}


def test_passes_are_emitted_only_when_their_inputs_are_present() -> None:
    assert matching_keys(PersonIdentifiers()) == []
    assert list(_by_pass(PersonIdentifiers(nhs_number="401 023 2137"))) == ["nhs"]
    assert list(_by_pass(PersonIdentifiers(family_name="Smith", date_of_birth="2015-01-02"))) == [
        "family_dob"
    ]


def test_invalid_identifiers_count_as_missing() -> None:
    person = PersonIdentifiers(
        given_name="'",
        family_name="Smith",
        date_of_birth="31/02/2014",
        nhs_number="943 476 5918",
        postcode="not a postcode",
    )

    assert matching_keys(person) == []


def test_match_values_cannot_be_confused_across_field_boundaries() -> None:
    # The separator is not a letter or digit, so it can never come out of a normaliser.
    assert normalise_name(f"ann{MATCH_VALUE_SEPARATOR}e") == "anne"


def test_reprs_do_not_show_personal_data() -> None:
    texts = [repr(ZOE), str(ZOE), *(repr(key) for key in matching_keys(ZOE))]

    for text in texts:
        for fragment in ("Zo", "Brien", "obrien", "2014", "9434765919", "943 476", "SW1A", "sw1a"):
            assert fragment not in text
