"""Encryption at rest: what the database holds is ciphertext, keys rotate without losing a
value, an installation from before encryption is sealed on its first start, and missing or
wrong keys give a clear error."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text

from adapters.imports import Importer
from engine import Staffel
from engine.persistence.crypto import (
    KeyRing,
    KeysError,
    load_keys,
    read_key_file,
    write_key_file,
)
from engine.persistence.db import normalise_url
from tests.conftest import ENGINE_DIAGRAMS
from tests.web.test_pages_imports import DECISIONS

PERSON = {"family_name": "Wacholderbeere", "given_name": "Sanaa", "birth_date": "1991-07-19",
          "nationality": "SY", "languages": ["ar"]}
AZ = "8811223-456"
SECRETS = ("Wacholderbeere", "Sanaa", "1991-07-19", AZ, "Unauffindbar", "9911223-001",
           "dienstags")


def raw_dump(url: str) -> str:
    """Every text and binary value of every table, read without any key."""
    plain = create_engine(normalise_url(url))
    parts: list[str] = []
    with plain.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                for value in row:
                    if isinstance(value, (bytes, memoryview)):
                        parts.append(bytes(value).decode("latin-1"))
                    elif value is not None:
                        parts.append(str(value))
    plain.dispose()
    return "\n".join(parts)


def scene(eng: Staffel) -> str:
    """A case with a completed task, a kept message and an import with a clarification."""
    eng.definitions.deploy_directory(ENGINE_DIAGRAMS, actor="tester")
    case = eng.cases.start(PERSON, "NW", "asylum", AZ, process_key="basic", actor="tester",
                           data={"contact_note": "Sanaa ruft dienstags an"})  # process data
    eng.tasks.complete(case.open_tasks[0].id, {"interpreter_needed": True, "language": "ar"},
                       actor="tester")
    Importer(eng).import_file("decisions", "a.xml", DECISIONS.format(
        az="9911223-001", family="Unauffindbar").encode(), "tester")
    return case.id


@pytest.fixture
def ring() -> KeyRing:
    return KeyRing.generate()


def test_the_database_holds_no_personal_value_in_clear(make_engine: Any, database_url: str,
                                                       ring: KeyRing) -> None:
    eng = make_engine(keys=ring)
    case_id = scene(eng)
    dump = raw_dump(database_url)
    assert [s for s in SECRETS if s in dump] == []
    # and the engine reads them all back
    assert eng.cases.get(case_id).person["family_name"] == "Wacholderbeere"
    assert eng.imports.clarifications().items[0].fields["family_name"] == "Unauffindbar"
    assert eng.cases.find_id(None, {"bamf_aktenzeichen": AZ}) == case_id
    hits = eng.cases.search(teams=None, text="wachol", birth_date="1991-07-19")
    assert [h.case.id for h in hits.items] == [case_id]


def test_rotation_moves_every_value_to_the_new_key(make_engine: Any, database_url: str,
                                                   ring: KeyRing) -> None:
    old = make_engine(keys=ring)
    case_id = scene(old)
    before = old.keys.status()
    assert before.outdated == 0 and before.tables["cases"].current == 2
    rotated_ring = ring.with_new_data_key()
    eng = make_engine(keys=rotated_ring)
    assert eng.keys.status().outdated == before.tables["cases"].current + sum(
        t.current for name, t in before.tables.items() if name != "cases")
    seen: list[str] = []
    report = eng.keys.rotate(batch=1, progress=lambda table, _counts: seen.append(table))
    assert report.rewritten == report.outdated > 0 and "process_instances" in seen
    assert eng.keys.status().outdated == 0
    only_new = make_engine(keys=KeyRing(rotated_ring.data_keys[:1], ring.index_key))
    # the completed registration wrote 'interpreter_needed' back into the person record
    assert only_new.cases.get(case_id).person == {**PERSON, "interpreter_needed": True}
    only_old = make_engine(keys=ring)
    with pytest.raises(KeysError, match="cannot be decrypted"):
        only_old.cases.get(case_id)


def test_an_interrupted_rotation_goes_on_where_it_stopped(make_engine: Any,
                                                          ring: KeyRing) -> None:
    scene(make_engine(keys=ring))
    eng = make_engine(keys=ring.with_new_data_key())
    outdated = eng.keys.status().outdated
    batches = 0

    def stop_after_two(_table: str, _counts: Any) -> None:
        nonlocal batches
        batches += 1
        if batches == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        eng.keys.rotate(batch=1, progress=stop_after_two)
    left = eng.keys.status().outdated
    assert 0 < left < outdated  # the finished batches stayed rotated
    assert eng.keys.rotate().rewritten == left
    assert eng.keys.status().outdated == 0


def test_data_from_before_encryption_is_sealed_on_the_first_start(
        make_engine: Any, database_url: str, ring: KeyRing) -> None:
    eng = make_engine(keys=ring)
    case_id = scene(eng)
    plain = create_engine(normalise_url(database_url))
    with plain.begin() as conn:  # as an installation before migration 0014 left it
        conn.execute(text("UPDATE cases SET person = :p, bamf_aktenzeichen = :az, "
                          "az_index = NULL, birth_index = NULL"),
                     {"p": '{"family_name": "Wacholderbeere", "given_name": "Sanaa", '
                           '"birth_date": "1991-07-19"}', "az": AZ})
        conn.execute(text("DELETE FROM person_name_tokens"))
    plain.dispose()
    assert "Wacholderbeere" in raw_dump(database_url)
    assert eng.cases.get(case_id).person["given_name"] == "Sanaa"  # legacy values read
    restarted = make_engine(keys=ring)  # init_db seals
    assert "Wacholderbeere" not in raw_dump(database_url)
    assert restarted.cases.find_id(None, {"bamf_aktenzeichen": AZ}) == case_id
    assert [h.case.id for h in restarted.cases.search(teams=None, text="Wacholderbeere")
            .items] == [case_id]
    assert restarted.keys.status().outdated == 0


def test_keys_come_from_the_environment_or_a_file(tmp_path: Path) -> None:
    ring = KeyRing.generate()
    env = {"STAFFEL_DATA_KEYS": ",".join(k.decode() for k in ring.data_keys),
           "STAFFEL_INDEX_KEY": ring.to_toml().split('index = "')[1].split('"')[0]}
    assert load_keys("postgresql://x/y", env) == ring
    with pytest.raises(KeysError, match="set both"):
        load_keys("postgresql://x/y", {"STAFFEL_DATA_KEYS": env["STAFFEL_DATA_KEYS"]})
    with pytest.raises(KeysError, match="STAFFEL_KEYS_FILE"):
        load_keys("postgresql://x/y", {})
    with pytest.raises(KeysError, match="not a Fernet key"):
        load_keys("postgresql://x/y", {**env, "STAFFEL_DATA_KEYS": "nonsense"})
    database = tmp_path / "staffel.db"
    first = load_keys(f"sqlite:///{database}", {})  # a key file next to the database
    key_file = tmp_path / "staffel.db.keys"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert load_keys(f"sqlite:///{database}", {}) == first == read_key_file(key_file)
    with pytest.raises(FileExistsError):  # a second process never overwrites the first's keys
        write_key_file(key_file, KeyRing.generate())
    assert read_key_file(key_file) == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["staffel.db.keys"]  # nothing aside
    (tmp_path / "bad.keys").write_text("data = 1\n", encoding="utf-8")
    with pytest.raises(KeysError, match="needs data"):
        load_keys("postgresql://x/y", {"STAFFEL_KEYS_FILE": str(tmp_path / "bad.keys")})
    named = load_keys("postgresql://x/y", {"STAFFEL_KEYS_FILE": str(tmp_path / "new.keys")})
    assert named == read_key_file(tmp_path / "new.keys")  # created on first use
    with pytest.raises(KeysError, match="cannot read"):
        load_keys("postgresql://x/y", {"STAFFEL_KEYS_FILE": str(tmp_path)})


def test_the_blind_index_says_nothing_without_the_key(make_engine: Any, database_url: str,
                                                      ring: KeyRing) -> None:
    scene(make_engine(keys=ring))
    other = KeyRing.generate()
    dump = raw_dump(database_url)
    assert ring.blind("az", AZ) in dump and other.blind("az", AZ) not in dump
