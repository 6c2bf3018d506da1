"""Make the upgrade test's fixture with the OLD release's own code (schema 0017_saved_filters).

The previous release is commit bd4537a (before issue 16). Run this script with that commit's
code first on the import path, so that every row is written by the old engine:

    git worktree add /tmp/rel-bd4537a bd4537a
    cd /tmp && PYTHONPATH=/tmp/rel-bd4537a /work/main/.venv/bin/python \\
        /work/main/tests/data/releases/make_release_fixture.py /work/main/tests/data/releases/0017
    git -C /work/main worktree remove /tmp/rel-bd4537a

(The current virtual environment's packages are fine: bd4537a needs nothing else; the
editable install of Staffel comes after PYTHONPATH, which the script checks.)

It creates a SQLite database on the simulated clock with the demo users and cases and a few
cases carried further (S1 with a kept BAMF decision, S2 waiting for the BAMF, S3b in the middle
of the warm handover with a kept permit, a draft and comments, S5 waiting for the course to
start, a resettlement case), and writes it as a dialect-neutral dump:

* ``<out>/rows.jsonl.gz`` — first line ``{"revision": ..., "made_by": ...}``, then one line per
  row ``{"t": table, "r": {column: value}}``; a value that JSON cannot carry is tagged:
  ``{"$dt": ISO UTC}``, ``{"$d": ISO date}``, ``{"$b64": base64 bytes}``;
* ``<out>/test-keys.toml`` — the test keys of the encryption at rest (test data only);
* ``<out>/manifest.json`` — row counts per table and what each case is, for the test.

``tests/ops/release_fixture.py`` loads it into any database at revision 0017.
"""

from __future__ import annotations

import base64
import gzip
import json
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import MetaData, create_engine, select

REVISION = "0017_saved_filters"
BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)  # a Monday

REGISTRATION = {"interpreter_needed": True, "languages": ["ar"],
                "identity_documents": "arrival_certificate", "consent_given": True,
                "consent_purpose": "Integrationskurs und Beratung",
                "consent_recipients": ["kurstraeger", "beratungsstelle"],
                "consent_date": "2027-03-01"}
ASYLBLG_GRANT = {"asylblg_from": "2027-03-01", "accommodation": "shared"}
GESTATTUNG = {"asylum_application_filed_on": "2027-03-01",
              "gestattung_valid_until": "2027-09-01"}
PERMIT_PREPARE = {"fiktion_certificate_issued": False}
SGB2_APPROVAL = {"sgb2_approved_from": "2027-04-01", "sgb2_approval_months": 12,
                 "no_gap_confirmed": True}
ASYLBLG_STOP = {"asylblg_stopped_after": "2027-03-31"}
FIRST_APPOINTMENT = {"first_appointment_on": "2027-04-01", "language_level": "A1",
                     "cooperation_plan": True}
COURSE_PLANNED = {"course_planned": True, "course_obligated": True, "course_type": "general",
                  "course_hours": 700}
CONTINUITY = {"asylblg_end_confirmed": True, "sgb2_start_confirmed": True,
              "application_status": "not_yet_filed", "no_gap": True}
ACK = {"handover_taken_over": True, "handover_appointment_confirmed": True}
CLOSE = {"handover_meeting_held": True}
PEOPLE = {
    "kept_decision": {"family_name": "Nasser", "given_name": "Lina", "birth_date": "1995-02-03",
                      "nationality": "SY", "languages": ["ar"]},
    "waits_for_bamf": {"family_name": "Öztürk", "given_name": "Deniz",
                       "birth_date": "1987-07-21", "nationality": "TR", "languages": ["tr"]},
    "s3b_handover": {"family_name": "Mahmoud", "given_name": "Omar", "birth_date": "1992-12-01",
                     "nationality": "SY", "languages": ["ar", "en"]},
    "s5_course": {"family_name": "Haile", "given_name": "Selam", "birth_date": "1999-05-17",
                  "nationality": "ER", "languages": ["ti"]},
    "resettlement": {"family_name": "Sultani", "given_name": "Mariam",
                     "birth_date": "1984-10-10", "nationality": "AF", "languages": ["fa"]},
}
AKTENZEICHEN = {"kept_decision": "8300001-475", "waits_for_bamf": "8300002-163",
                "s3b_handover": "8300003-423", "s5_course": "8300004-224"}


def berlin(day: str, hour: int = 9) -> datetime:
    """9 o'clock (or ``hour``) Berlin time on ``day``."""
    return datetime.combine(date.fromisoformat(day), time(hour), tzinfo=BERLIN)


def check_old_code() -> str:
    """Fail unless the engine on the import path is the release at 0017; its commit."""
    import engine
    from engine.persistence.db import MIGRATIONS_DIR

    heads = sorted(p.name for p in (MIGRATIONS_DIR / "versions").glob("0*.py"))
    if not heads or not heads[-1].startswith(REVISION):
        sys.exit(f"the engine on the path ({engine.__file__}) is not the release at {REVISION}"
                 f" (newest migration {heads[-1] if heads else None}): set PYTHONPATH")
    root = Path(engine.__file__).resolve().parents[1]
    return subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.strip()


def make_database(path: Path) -> dict[str, Any]:
    """Fill a new SQLite database at ``path`` through the old engine; what each case is."""
    from engine import Staffel
    from web.demo import seed_demo

    root = Path(sys.modules["engine"].__file__ or "").resolve().parents[1]
    eng = Staffel(f"sqlite:///{path}", clock="simulated", clock_start=START)
    eng.init_db()
    eng.definitions.deploy_directory(root / "bpmn", actor="lead")
    seed_demo(eng)  # demo users (password "demo") and the five demo cases

    def open_task(case_id: str, name: str) -> Any:
        matches = [t for t in eng.cases.get(case_id).open_tasks if t.name == name]
        assert len(matches) == 1, (name, [t.name for t in eng.cases.get(case_id).open_tasks])
        return matches[0]

    def complete(case_id: str, name: str, data: dict[str, Any]) -> None:
        task = open_task(case_id, name)
        eng.tasks.complete(task.id, data, actor=f"cw_{task.team}")

    def start(label: str, entry: str = "asylum") -> str:
        return eng.cases.start(PEOPLE[label], "NW", entry, AKTENZEICHEN.get(label),
                               actor="cw_eingangszone").id

    def registered(label: str) -> str:
        case_id = start(label)
        complete(case_id, "Task_register", REGISTRATION)
        complete(case_id, "Task_asylblg_grant", ASYLBLG_GRANT)
        complete(case_id, "Task_gestattung", GESTATTUNG)
        return case_id

    cases: dict[str, str] = {}
    # S1: the BAMF decision comes during the registration and is kept for the case
    cases["kept_decision"] = start("kept_decision")
    kept = eng.messages.receive(
        "bamf_decision", {"outcome": "refugee", "decision_date": "2027-02-26",
                          "served_on": "2027-03-01"},
        case_id=cases["kept_decision"], message_id="BAMF-KEPT-1", actor="bamf")
    assert kept.outcome == "buffered", kept.outcome
    cases["waits_for_bamf"] = registered("waits_for_bamf")  # S2, its wait watched by a timer
    cases["s3b_handover"] = registered("s3b_handover")
    cases["s5_course"] = registered("s5_course")
    cases["resettlement"] = start("resettlement", "resettlement")
    complete(cases["resettlement"], "Task_register", {**REGISTRATION, "consent_given": False,
                                                      "consent_recipients": []})

    eng.clock.advance(to=berlin("2027-03-12"))
    for label in ("s3b_handover", "s5_course"):
        eng.messages.receive("bamf_decision", {"outcome": "refugee",
                                               "decision_date": "2027-03-10",
                                               "served_on": "2027-03-12"},
                             case_id=cases[label], actor="bamf")
    eng.clock.advance(to=berlin("2027-03-31"))  # the decisions are final: handovers
    s5 = cases["s5_course"]
    complete(s5, "Task_handover_propose", {
        "handover_appointment_at": "2027-03-31T14:00:00+02:00",
        "handover_appointment_mode": "in_person", "handover_interpreter": True,
        "handover_data_package": ["identity", "residence_status", "deadlines"]})
    complete(s5, "Task_continuity_check", CONTINUITY)
    complete(s5, "Task_handover_ack", ACK)
    complete(s5, "Task_handover_close", CLOSE)
    complete(s5, "Task_permit_prepare", PERMIT_PREPARE)
    eng.messages.receive("permit_issued", {"paragraph": "§25(2) Alt. 1",
                                           "valid_until": "2030-03-29",
                                           "issued_on": "2027-03-29"}, case_id=s5, actor="abh")
    eng.messages.receive("sgb2_application_received", {"received_on": "2027-03-29"},
                         case_id=s5, actor="jobcenter")
    complete(s5, "Task_sgb2_approve", SGB2_APPROVAL)

    s3b = cases["s3b_handover"]
    complete(s3b, "Task_handover_propose", {
        "handover_appointment_at": "2027-04-06T10:00:00+02:00",
        "handover_appointment_mode": "in_person", "handover_interpreter": True,
        "handover_data_package": ["identity", "residence_status", "deadlines"]})
    # the SGB II application comes before the handover is done: kept for the case
    early = eng.messages.receive("sgb2_application_received", {"received_on": "2027-03-31"},
                                 case_id=s3b, message_id="JC-KEPT-1", actor="jobcenter")
    assert early.outcome == "buffered", early.outcome

    complete(s5, "Task_asylblg_stop", ASYLBLG_STOP)
    eng.clock.advance(to=berlin("2027-04-01"))  # S5
    complete(s5, "Task_first_appointment", FIRST_APPOINTMENT)
    complete(s5, "Task_course_obligation", COURSE_PLANNED)
    complete(s5, "Task_handover_propose", {
        "handover_appointment_at": "2027-04-08T10:00:00+02:00",
        "handover_appointment_mode": "in_person", "handover_interpreter": True,
        "handover_data_package": ["identity", "residence_status", "deadlines"]})
    complete(s5, "Task_handover_ack", ACK)
    complete(s5, "Task_handover_close", CLOSE)  # now waits for course_started (watched)

    # work in progress on an open task of the S3b case: a draft and comments
    work = eng.cases.get(s3b).open_tasks[0]
    eng.task_work.save_draft(work.id, f"cw_{work.team}", {})
    eng.task_work.add_comment(work.id, f"cw_{work.team}", "Termin mit Dolmetscher bestätigt.")
    eng.task_work.add_comment(work.id, "cw_sozialamt", "Unterlagen liegen vor.")
    eng.saved_filters.save("cw_sozialamt", "Überfällig", "scope=team&overdue=1&sort=due")
    eng.clock.advance(to=berlin("2027-04-02"))

    described: dict[str, Any] = {}
    for label, case_id in cases.items():
        view = eng.cases.get(case_id)
        described[label] = {"id": case_id, "case_number": view.case_number,
                            "stage": view.stage,
                            "open_tasks": sorted(t.name for t in view.open_tasks)}
        print(label, view.case_number, view.stage, described[label]["open_tasks"])
    assert eng.audit.verify().ok
    eng.close()
    return described


def encode(value: Any) -> Any:
    """A stored value as JSON (tagged where JSON has no type for it)."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)  # stored as UTC
        return {"$dt": aware.astimezone(UTC).isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, bytes | memoryview):
        return {"$b64": base64.b64encode(bytes(value)).decode()}
    return value


def dump(path: Path, out: Path, commit: str, cases: dict[str, Any]) -> None:
    """Write every table's rows (except Alembic's) as JSON lines, plus a manifest."""
    db = create_engine(f"sqlite:///{path}")
    meta = MetaData()
    meta.reflect(db)
    counts: dict[str, int] = {}
    with db.connect() as conn, gzip.open(out / "rows.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"revision": REVISION, "made_by": commit}) + "\n")
        for table in meta.sorted_tables:
            if table.name == "alembic_version":
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            rows = conn.execute(select(table).order_by(*order)).mappings().all()
            counts[table.name] = len(rows)
            for row in rows:
                record = {key: encode(value) for key, value in row.items()}
                fh.write(json.dumps({"t": table.name, "r": record}, ensure_ascii=False) + "\n")
    db.dispose()
    manifest = {"revision": REVISION, "made_by": commit, "counts": counts, "cases": cases}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                       encoding="utf-8")


def main() -> None:
    """Make the fixture in the directory given as the only argument."""
    if len(sys.argv) != 2:
        sys.exit("usage: make_release_fixture.py OUT_DIR")
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    commit = check_old_code()
    work = Path(tempfile.mkdtemp())
    database = work / "release.db"
    cases = make_database(database)
    dump(database, out, commit, cases)
    shutil.copy(Path(f"{database}.keys"), out / "test-keys.toml")
    shutil.rmtree(work)
    print(f"fixture of {commit[:7]} written to {out}")


if __name__ == "__main__":
    main()
