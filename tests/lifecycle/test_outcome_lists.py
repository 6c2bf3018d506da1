"""Every list of BAMF outcomes equals the message schema's enum
(bpmn/messages/bamf_decision.schema.json).

The schema is the one source: the decision table, the import codes (CSV and XSD), the page
labels, the test runs and the random-order world must name exactly its outcomes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lxml import etree

from adapters.imports import decisions
from engine.services.testruns import outcomes_of
from tests.lifecycle import random_world
from tests.lifecycle.helpers import BPMN_DIR
from web.forms_render import described_labels
from web.pages.editor_testrun import outcome_labels

SCHEMA_FILE = BPMN_DIR / "messages" / "bamf_decision.schema.json"
SCHEMA: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
OUTCOME = SCHEMA["properties"]["outcome"]
OUTCOMES: list[str] = OUTCOME["enum"]
DMN = "{https://www.omg.org/spec/DMN/20191111/MODEL/}"
XS = "{http://www.w3.org/2001/XMLSchema}"
XSD = Path(decisions.__file__).resolve().parents[1] / "schemas" / "decisions.xsd"


def decision_table() -> dict[str, dict[str, str]]:
    """Each rule of bamf_outcome.dmn: its outcome -> {output name: cell text}."""
    root = etree.parse(str(BPMN_DIR / "bamf_outcome.dmn")).getroot()
    table = root.find(f"{DMN}decision/{DMN}decisionTable")
    assert table is not None
    names = [o.get("name") for o in table.findall(f"{DMN}output")]
    rules: dict[str, dict[str, str]] = {}
    for rule in table.findall(f"{DMN}rule"):
        (entry,) = rule.findall(f"{DMN}inputEntry/{DMN}text")
        outcome = (entry.text or "").strip().strip('"')
        assert outcome not in rules, f"two rules for {outcome}"
        cells = [(t.text or "").strip() for t in rule.findall(f"{DMN}outputEntry/{DMN}text")]
        assert len(cells) == len(names), f"rule {outcome}: {len(cells)} outputs"
        rules[outcome] = dict(zip(names, cells, strict=True))  # type: ignore[arg-type]
    return rules


def test_the_schema_lists_inadmissible_and_labels_every_outcome() -> None:
    assert "inadmissible" in OUTCOMES and len(set(OUTCOMES)) == len(OUTCOMES)
    labels = described_labels(OUTCOME)  # None unless every value has "value = Label"
    assert labels is not None
    assert labels["inadmissible"] == "unzulässig (§29(1) Nr. 2, 4 AsylG, Folgeantrag §71(4))"


def test_the_decision_table_has_one_rule_per_outcome() -> None:
    assert sorted(decision_table()) == sorted(OUTCOMES)


def test_inadmissible_takes_the_path_of_a_manifestly_unfounded_rejection() -> None:
    rules = decision_table()
    assert rules["inadmissible"] == rules["rejected_manifestly_unfounded"] == {
        "outcome_stage": '"S4"', "outcome_path": '"rejection"', "lawsuit_short": "True",
        "permit_paragraph_expected": "None", "exit_deadline_rule": '"exit_deadline_days_short"'}


def test_the_import_codes_cover_every_outcome() -> None:
    assert sorted(set(decisions.OUTCOMES.values())) == sorted(OUTCOMES)
    xsd = etree.parse(str(XSD)).getroot()
    (enum_type,) = [t for t in xsd.iter(f"{XS}simpleType") if t.get("name") == "Entscheidung"]
    codes = [e.get("value") or "" for e in enum_type.iter(f"{XS}enumeration")]
    assert set(decisions.OUTCOMES) <= set(codes)
    assert sorted({decisions.outcome_of(code) for code in codes}) == sorted(OUTCOMES)
    # the schema's own values are taken as they are
    assert all(decisions.outcome_of(o) == o for o in OUTCOMES)


def test_pages_test_runs_and_the_random_world_name_every_outcome() -> None:
    assert list(outcome_labels()) == OUTCOMES
    sources = {"messages/bamf_decision.schema.json": SCHEMA_FILE.read_text(encoding="utf-8")}
    assert outcomes_of(sources) == OUTCOMES
    assert sorted(random_world.OUTCOMES) == sorted(OUTCOMES)
    paths = {o: r["outcome_path"].strip('"') for o, r in decision_table().items()}
    assert paths == random_world.PATHS
