"""``staffel serve --demo`` data: cases at different stages of the real lifecycle."""

from __future__ import annotations

from pathlib import Path

from web.demo import seed_demo

BPMN = Path(__file__).resolve().parents[2] / "bpmn"


def test_demo_cases_stand_at_different_stages(make_engine) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine()
    engine.definitions.deploy_directory(BPMN)
    lines = seed_demo(engine)
    assert not any("stopped early" in line for line in lines), lines
    stages = sorted(c.stage for c in engine.cases.list().items)
    assert stages == ["S1", "S2", "S3b", "S3e", "S4"]
    seed_demo(engine)  # idempotent
    assert engine.cases.list().total == 5
