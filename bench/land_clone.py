"""Cloning the template cases of the Land-volume generator (``bench/land_generate.py``).

:func:`read_templates` reads back every row the real engine wrote for each template case, in
every table that has a ``case_id`` column (so a table added later, e.g. for a leaner case
state, is cloned too), decrypted by the engine's own column types. :class:`CaseTemplate`
turns one template into as many clones as asked, each with

* fresh ids: the case, its process instances, every SpiffWorkflow task id of its workflow
  state (the human tasks, timers and audit details name some of them; a task the engine adds
  to the tasks table later must be new there too), and new numbers for integer keys;
* a fresh person (:func:`new_person`): distinct generated name and birth date, a new BAMF
  Aktenzeichen for an asylum case; encrypted with the engine's column types and indexed with
  its blind-index functions (``engine.people.blind_index``);
* its caseworkers: ``cw_<team>`` of the template becomes one of the Land's users of that team;
* its history moved back by up to ``JITTER`` (when things happened: created, completed,
  received, audit times). Due times (tasks, timers, kept messages) stay as the workflow state
  has them, so that the state, the timers and the tasks agree.
"""

from __future__ import annotations

import json
import random
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, LargeBinary, Table, select
from sqlalchemy.engine import Connection, Dialect

from engine.people.blind_index import az_token, birth_token, name_tokens
from engine.persistence.crypto import EncryptedBlob, EncryptedJSON, EncryptedText, KeyRing
from engine.persistence.models import Base
from engine.persistence.types import UTCDateTime

JITTER = timedelta(hours=12)
#: datetimes that are due times, not history: kept as the workflow state has them
NOT_SHIFTED = {"due_at", "expires_at", "claim_expires_at", "appointment_at"}
#: tables written from the new person, not copied
DERIVED = {"person_name_tokens"}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ACTOR = re.compile(r"^cw_([a-z_]+)$")

_FAMILY_NAMES = (
    "Haddad Özdemir Yilmaz Kaya Demir Sahin Celik Arslan Aydin Nazari Ahmadi Hosseini Karimi "
    "Rahimi Mohammadi Rezaei Jafari Hussein Ali Hassan Ibrahim Khalil Mahmoud Mustafa Omar "
    "Saleh Yousef Abdullah Nasser Farouk Bakr Tesfaye Bekele Haile Girma Tadesse Kebede "
    "Mekonnen Abebe Alemu Okafor Nwosu Adeyemi Balogun Eze Kovalenko Shevchenko Bondarenko "
    "Tkachenko Kravchenko Melnyk Boyko Petrenko Moroz Lysenko Popescu Ionescu Dimitrov "
    "Georgiev Hoxha Berisha Krasniqi Gashi Morina Shehu Rahman Hossain Islam Uddin Akter Khan "
    "Siddiqui Qureshi Chaudhry Malik")
_GIVEN_NAMES = (
    "Rana Amal Layla Noor Sara Fatima Zainab Mariam Huda Yasmin Ahmad Omar Khaled Mahmoud "
    "Yusuf Ali Hassan Karim Samir Tariq Ayse Elif Zeynep Emine Mehmet Mustafa Ahmet Emre "
    "Murat Hamid Reza Farid Navid Parisa Shirin Leila Dawit Selam Hana Meron Abel Yonas "
    "Chinedu Ngozi Amaka Emeka Olena Iryna Oksana Natalia Andrii Dmytro Serhii Oleksandr Ion "
    "Elena Maria Arben Besa Drita Ilir Rahim Salma Nasrin Imran Ayesha Bilal Sana Zara Adnan "
    "Rami Lina Dana Jana Nour Walid Ziad")
FAMILY = tuple(_FAMILY_NAMES.split())
GIVEN = tuple(_GIVEN_NAMES.split())


def new_person(rng: random.Random, index: int, template: dict[str, Any]) -> dict[str, Any]:
    """A generated person for clone ``index``: the template's other fields, a name of two
    words (distinct combinations over the Land) and a birth date between 1950 and 2009."""
    family = FAMILY[index % len(FAMILY)]
    given = f"{GIVEN[(index // len(FAMILY)) % len(GIVEN)]}"
    if index >= len(FAMILY) * len(GIVEN):  # a second given name keeps names apart
        given += " " + GIVEN[(index // (len(FAMILY) * len(GIVEN))) % len(GIVEN)]
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(60 * 365))
    return {**template, "family_name": family, "given_name": given,
            "birth_date": born.isoformat()}


def case_tables() -> list[Table]:
    """Every table with a ``case_id`` column, parents first (cases, instances, ...)."""
    tables = [t for t in Base.metadata.sorted_tables
              if (t.name == "cases" or "case_id" in t.c) and t.name not in DERIVED]
    return tables


def _encrypted(column_type: Any) -> bool:
    return isinstance(column_type, (EncryptedBlob, EncryptedJSON, EncryptedText))


@dataclass
class CaseTemplate:
    """Every row of one template case, with what a clone replaces in it."""

    case_id: str
    rows: dict[str, list[dict[str, Any]]]
    ids: set[str] = field(default_factory=set)  # ids replaced inside texts
    texts: dict[tuple[str, int, str], list[str]] = field(default_factory=dict)
    #: per row: table, integer key column, values shared by all clones, steps per clone
    plan: list[tuple[str, str | None, dict[str, Any], list[tuple[str, str, Any]]]] = field(
        default_factory=list)

    @property
    def audit_events(self) -> int:
        """How many audit events the case has."""
        return len(self.rows.get("audit_events", []))

    @property
    def tasks(self) -> int:
        """How many human tasks the case has."""
        return len(self.rows.get("human_tasks", []))

    @property
    def stage(self) -> str:
        """The case's stage."""
        return str(self.rows["cases"][0]["stage"])

    def prepare(self) -> None:
        """Find the ids a clone replaces and split every text that holds them once."""
        case = self.rows["cases"][0]
        self.ids = {self.case_id, str(case["case_number"])}
        for table, rows in self.rows.items():
            for row in rows:
                for name in ("id", "instance_id", "task_id"):
                    value = row.get(name)
                    if isinstance(value, str) and (len(value) == 32 or UUID.fullmatch(value)):
                        self.ids.add(value)
                if table == "audit_events":
                    self.ids.update(UUID.findall(json.dumps(row["details"])))
                if table == "process_instances":  # every SpiffWorkflow task id of the state:
                    # a task the engine adds to the tasks table later must be new there too
                    self.ids.update(UUID.findall(_as_text(row["state"]) or ""))
        pattern = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
                             r"|[0-9a-f]{32}|" + re.escape(str(case["case_number"])))
        for table, rows in self.rows.items():
            for number, row in enumerate(rows):
                for name, value in row.items():
                    text = _as_text(value)
                    if text is not None and len(text) > 40 and pattern.search(text):
                        # even positions: text as is; odd positions: an id to replace
                        parts = _split(pattern, text, self.ids)
                        if len(parts) > 1:
                            self.texts[(table, number, name)] = parts


def _as_text(value: Any) -> str | None:
    if isinstance(value, bytes) and value[:1] in (b"{", b"["):
        return value.decode()
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return value if isinstance(value, str) else None


def _split(pattern: re.Pattern[str], text: str, ids: set[str]) -> list[str]:
    parts, last = [], 0
    for match in pattern.finditer(text):
        if match.group(0) not in ids:
            continue
        parts += [text[last:match.start()], match.group(0)]
        last = match.end()
    parts.append(text[last:])
    return parts


def read_templates(connection: Connection) -> list[CaseTemplate]:
    """Every template case with all its rows (decrypted), prepared for cloning."""
    by_case: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for table in case_tables():
        key = table.c.id if table.name == "cases" else table.c.case_id
        order = list(table.primary_key.columns)
        for row in connection.execute(select(table).where(key.is_not(None)).order_by(*order)):
            mapping = dict(row._mapping)
            owner = mapping["id"] if table.name == "cases" else mapping["case_id"]
            by_case[str(owner)][table.name].append(mapping)
    templates = [CaseTemplate(case_id, dict(rows)) for case_id, rows in by_case.items()
                 if rows.get("cases")]
    for template in templates:
        template.prepare()
    return sorted(templates, key=lambda t: t.case_id)


@dataclass
class Land:
    """What clones share: the target's keys and dialect, the users of each team, counters."""

    ring: KeyRing
    dialect: Dialect
    users: dict[str, list[str]]  # team -> caseworkers of the Land
    next_ids: dict[str, int]  # table -> next integer key
    rng: random.Random
    clones: int = 0


def compile_plan(template: CaseTemplate, dialect: Dialect) -> None:
    """Per row of the template: the values every clone shares (stored once) and the columns a
    clone computes (an id, a caseworker, a text with ids in it, a time, an encrypted value)."""
    tables = {t.name: t for t in Base.metadata.sorted_tables}
    template.plan = []
    for table, rows in template.rows.items():
        columns = tables[table].c
        key = _integer_key(tables[table])
        for number, row in enumerate(rows):
            base: dict[str, Any] = {}
            steps: list[tuple[str, str, Any]] = []
            for name, value in row.items():
                column_type = columns[name].type
                parts = template.texts.get((table, number, name))
                if name == key:
                    continue
                if parts is not None:
                    kind = ("bytes" if isinstance(value, bytes) else
                            "json" if isinstance(value, (dict, list)) else "str")
                    steps.append((name, "text", (parts, kind, column_type)))
                elif isinstance(value, str) and value in template.ids:
                    steps.append((name, "map", value))
                elif isinstance(value, str) and (found := ACTOR.match(value)):
                    steps.append((name, "actor", (found.group(1), value)))
                elif isinstance(value, datetime) and name not in NOT_SHIFTED:
                    steps.append((name, "time", _stored(column_type, value, dialect)))
                elif value is not None and _encrypted(column_type):
                    steps.append((name, "encrypt", (value, column_type)))
                else:
                    base[name] = _stored(column_type, value, dialect)
            template.plan.append((table, key, base, steps))


def clone(template: CaseTemplate, land: Land, tables: dict[str, Table]
          ) -> Iterator[tuple[str, dict[str, Any]]]:
    """The rows of one clone of ``template``, as (table, row) with stored values (encrypted
    and serialised the way the engine's column types write them), parents first."""
    rng, index, dialect = land.rng, land.clones, land.dialect
    land.clones += 1
    if not template.plan:
        compile_plan(template, dialect)
    new_case = uuid.uuid4().hex
    number = f"ST-{new_case[:4]}-{new_case[4:8]}-{new_case[8:12]}".upper()
    old_case = template.rows["cases"][0]
    # task ids: the clone's number in front of the template's (unique within the template,
    # random across templates: a version-4 UUID still), cheaper than hundreds of uuid4()
    prefix = f"{index:08x}"
    mapping: dict[str, str] = {}
    for old in template.ids:
        if old == template.case_id:
            mapping[old] = new_case
        elif old == old_case["case_number"]:
            mapping[old] = number
        elif len(old) == 32:
            mapping[old] = uuid.uuid4().hex
        else:
            mapping[old] = prefix + old[8:]
    actors = {team: rng.choice(users) for team, users in land.users.items()}
    shift = timedelta(minutes=rng.randrange(int(JITTER.total_seconds() // 60)))
    person = new_person(rng, index, old_case["person"] or {})
    az = f"{9000000 + index}-{index % 1000:03d}" if old_case["bamf_aktenzeichen"] else None
    for table, key, base, steps in template.plan:
        out = dict(base)
        for name, op, arg in steps:
            if op == "map":
                out[name] = mapping[arg]
            elif op == "actor":
                out[name] = actors.get(arg[0], arg[1])
            elif op == "time":
                out[name] = arg - shift
            elif op == "encrypt":
                out[name] = arg[1].process_bind_param(arg[0], dialect)
            else:
                parts, kind, column_type = arg
                joined = "".join(p if i % 2 == 0 else mapping[p] for i, p in enumerate(parts))
                value: Any = (joined.encode() if kind == "bytes" else joined)
                if _encrypted(column_type):
                    if kind == "json":
                        value = json.loads(joined)
                    value = column_type.process_bind_param(value, dialect)
                out[name] = value
        if key is not None:
            out[key] = land.next_ids[table]
            land.next_ids[table] += 1
        if table == "cases":
            out.update(_person_columns(person, az, number, land, tables[table]))
        elif table == "inbound_messages" and out.get("message_id"):
            out["message_id"] = f"{number}:{out['message_id']}"
        yield table, out
    for token in sorted(name_tokens(land.ring, person)):
        yield "person_name_tokens", {"case_id": new_case, "token": token}


def _person_columns(person: dict[str, Any], az: str | None, number: str, land: Land,
                    table: Table) -> dict[str, Any]:
    return {"person": _stored(table.c.person.type, person, land.dialect),
            "bamf_aktenzeichen": _stored(table.c.bamf_aktenzeichen.type, az, land.dialect),
            "case_number": number,
            "az_index": az_token(land.ring, az),
            "birth_index": birth_token(land.ring, person["birth_date"])}


def _integer_key(table: Table) -> str | None:
    keys = list(table.primary_key.columns)
    if len(keys) == 1 and isinstance(keys[0].type, Integer):
        return keys[0].name
    return None


def _stored(column_type: Any, value: Any, dialect: Dialect) -> Any:
    """The value as the column type writes it (encrypted, UTC, JSON text for COPY)."""
    if value is None:
        return None
    if _encrypted(column_type) or isinstance(column_type, UTCDateTime):
        stored = column_type.process_bind_param(value, dialect)
        return stored
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if isinstance(column_type, LargeBinary):
        return bytes(value)
    return value.value if hasattr(value, "value") and not isinstance(value, bool) else value


#: the Land's cases by stage (shares; a stage without templates passes its share on to the
#: others): most cases wait early in their lifecycle (S2: for the BAMF's decision)
STAGE_MIX = {"S1": 8, "S2": 62, "S3a": 1, "S3b": 2, "S3c": 2, "S3d": 1, "S3e": 1, "S4": 12,
             "S4a": 4, "S5": 5, "S6": 2}


def weights(templates: list[CaseTemplate], mix: dict[str, float] | None = None
            ) -> list[float]:
    """A weight per template: its stage's share of the Land (``STAGE_MIX``) split evenly
    over the templates of that stage; stages missing from the mix get the smallest share."""
    shares: dict[str, float] = dict(mix or STAGE_MIX)
    per_stage: dict[str, int] = defaultdict(int)
    for t in templates:
        per_stage[t.stage] += 1
    smallest = min(shares.values())
    return [shares.get(t.stage, smallest) / per_stage[t.stage] for t in templates]


def clone_counts(templates: list[CaseTemplate], total: int, ws: list[float],
                 rng: random.Random) -> list[int]:
    """How many clones of each template make ``total`` cases (at least one each)."""
    share = sum(ws)
    counts = [max(1, int(total * w / share)) for w in ws]
    while sum(counts) < total:
        counts[rng.choices(range(len(ws)), ws)[0]] += 1
    while sum(counts) > total and max(counts) > 1:
        counts[counts.index(max(counts))] -= 1
    return counts


Transform = Callable[[CaseTemplate, Land, dict[str, Table]], Iterator[tuple[str, dict[str, Any]]]]
