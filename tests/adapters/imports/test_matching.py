"""Finding the case of a row (adapters/imports/matching.py): Aktenzeichen first, checked
against the date of birth; then family name + given name + date of birth."""

from __future__ import annotations

from adapters.imports.matching import (
    AMBIGUOUS,
    MISMATCH,
    NO_MATCH,
    CaseIndex,
    CaseRef,
    Match,
    person_key,
)
from adapters.imports.model import ParsedRow


def ref(case_id: str, number: str, family: str, given: str, birth: str, az: str = "",
        stage: str = "S3a") -> CaseRef:
    return CaseRef(case_id, number, az, person_key(family, given, birth), stage)


def row(family: str, given: str, birth: str, az: str = "") -> ParsedRow:
    return ParsedRow(line=2, message="permit_issued", aktenzeichen=az, family_name=family,
                     given_name=given, birth_date=birth)


HADDAD = ref("case-haddad", "ST-1A2B-3C4D-0001", "Haddad", "Rana", "1990-04-12", az="8123456-423")
TESFAY = ref("case-tesfay", "ST-1A2B-3C4D-0002", "Tesfay", "Yonas", "1996-11-02")
OEZDEMIR = ref("case-oezdemir", "ST-1A2B-3C4D-0003", "Özdemir", "Gül", "1985-07-20",
               az="8123456-500", stage="S3b")
AHMADI_1 = ref("case-ahmadi1", "ST-1A2B-3C4D-0004", "Ahmadi", "Karim", "2001-06-15", stage="S2")
AHMADI_2 = ref("case-ahmadi2", "ST-1A2B-3C4D-0005", "Ahmadi", "Karim", "2001-06-15",
               az="8123456-777", stage="S2")


def index(*refs: CaseRef) -> CaseIndex:
    built = CaseIndex()
    for r in refs:
        built.add(r)
    return built


def everyone() -> CaseIndex:
    return index(HADDAD, TESFAY, OEZDEMIR, AHMADI_1, AHMADI_2)


def test_person_key_compares_names_loosely_and_keeps_the_date() -> None:
    assert person_key("Özdemir", "Gül", "1985-07-20") == ("oezdemir", "guel", "1985-07-20")
    assert person_key("OEZDEMIR", "guel", "1985-07-20") == OEZDEMIR.person_key


def test_add_indexes_aktenzeichen_case_number_and_person() -> None:
    built = index(HADDAD, TESFAY)
    assert built.by_az["8123456-423"] == [HADDAD]
    assert built.by_az[HADDAD.case_number] == [HADDAD]
    assert built.by_az[TESFAY.case_number] == [TESFAY]
    assert "" not in built.by_az  # a case without Aktenzeichen has only its case number
    assert built.by_person[TESFAY.person_key] == [TESFAY]


# --- by Aktenzeichen -------------------------------------------------------------------------


def test_the_aktenzeichen_finds_the_case() -> None:
    assert everyone().match(row("Haddad", "Rana", "1990-04-12", "8123456-423")) == Match(HADDAD)


def test_the_aktenzeichen_compares_without_blanks_and_case() -> None:
    built = everyone()
    assert built.match(row("Haddad", "Rana", "1990-04-12", " 8123456 -423 ")).case == HADDAD
    number = "st-1a2b-3c4d-0003"
    assert built.match(row("Özdemir", "Gül", "1985-07-20", number)).case == OEZDEMIR


def test_the_aktenzeichen_comes_before_the_person() -> None:
    # two cases of the same person data: the Aktenzeichen decides, no clarification needed
    built = everyone()
    assert built.match(row("Ahmadi", "Karim", "2001-06-15", "8123456-777")) == Match(AHMADI_2)


def test_the_aktenzeichen_wins_over_a_differently_written_name() -> None:
    found = everyone().match(row("Hadad", "Rania", "1990-04-12", "8123456-423"))
    assert found == Match(HADDAD)


def test_the_staffel_case_number_works_as_aktenzeichen() -> None:
    found = everyone().match(row("Tesfay", "Yonas", "1996-11-02", TESFAY.case_number))
    assert found == Match(TESFAY)


def test_an_aktenzeichen_with_another_birth_date_is_a_mismatch() -> None:
    found = everyone().match(row("Haddad", "Rana", "1991-04-12", "8123456-423"))
    assert found == Match(None, MISMATCH, ["case-haddad"])


def test_a_case_without_birth_date_is_not_a_mismatch() -> None:
    undated = ref("case-undated", "ST-1A2B-3C4D-0006", "Karimi", "Amir", "", az="8123456-600")
    found = index(undated).match(row("Karimi", "Amir", "1993-09-09", "8123456-600"))
    assert found == Match(undated)


def test_an_unknown_aktenzeichen_falls_back_to_the_person() -> None:
    found = everyone().match(row("Haddad", "Rana", "1990-04-12", "8123456-999"))
    assert found == Match(HADDAD)


def test_an_aktenzeichen_on_two_cases_is_narrowed_by_the_person() -> None:
    twin = ref("case-twin", "ST-1A2B-3C4D-0007", "Haddad", "Samir", "1992-01-01", az="8123456-423")
    built = index(HADDAD, twin)
    assert built.match(row("Haddad", "Samir", "1992-01-01", "8123456-423")) == Match(twin)
    assert built.match(row("HADDAD", "rana", "1990-04-12", "8123456-423")) == Match(HADDAD)


def test_an_aktenzeichen_on_two_cases_neither_of_them_the_person_is_ambiguous() -> None:
    twin = ref("case-twin", "ST-1A2B-3C4D-0007", "Haddad", "Samir", "1992-01-01", az="8123456-423")
    found = index(HADDAD, twin).match(row("Haddad", "Lina", "1995-05-05", "8123456-423"))
    assert found == Match(None, AMBIGUOUS, ["case-haddad", "case-twin"])


# --- by person -------------------------------------------------------------------------------


def test_without_aktenzeichen_the_person_finds_the_case() -> None:
    assert everyone().match(row("Tesfay", "Yonas", "1996-11-02")) == Match(TESFAY)


def test_the_person_is_found_in_any_umlaut_spelling() -> None:
    built = everyone()
    for family, given in (("Özdemir", "Gül"), ("OEZDEMIR", "Guel"), ("oezdemir", "GÜL")):
        assert built.match(row(family, given, "1985-07-20")) == Match(OEZDEMIR), family


def test_two_cases_of_the_same_person_are_ambiguous() -> None:
    found = everyone().match(row("Ahmadi", "Karim", "2001-06-15"))
    assert found == Match(None, AMBIGUOUS, ["case-ahmadi1", "case-ahmadi2"])


def test_the_birth_date_must_agree_too() -> None:
    assert everyone().match(row("Tesfay", "Yonas", "1996-11-03")) == Match(None, NO_MATCH, [])


def test_nobody_known_is_no_match() -> None:
    assert everyone().match(row("Unbekannt", "Niemand", "1980-01-01")) == Match(None, NO_MATCH)
    assert CaseIndex().match(row("Haddad", "Rana", "1990-04-12", "8123456-423")) == Match(
        None, NO_MATCH, [])
