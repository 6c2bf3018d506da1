"""The templates of the Land-volume generator (``bench/land_generate.py``): the REAL engine on
the simulated clock drives a few hundred cases through bpmn/, with the outside events in random
order (the world of ``tests/lifecycle/test_random_order.py``), and stops while they are spread
over every stage: the first started long ago (closed at S6 or by the exit), the last just
registered. The generator then reads back every row these cases produced and clones them.

Usage (normally called by the generator): .venv/bin/python -m bench.land_template
[--cases 240] [--days 540] [--database-url sqlite:////tmp/land/template.db]
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from datetime import date, datetime, timedelta

from engine import Staffel
from engine.errors import Conflict
from engine.law.calendar import is_working_day
from engine.model import TaskInfo
from engine.persistence.crypto import KeyRing, load_keys
from tests.lifecycle import test_random_order
from tests.lifecycle.helpers import BPMN_DIR, PERSON, berlin
from tests.lifecycle.random_world import make_plan, seed_from_env
from tests.lifecycle.test_random_order import FIRST_DAY, Track, World

#: chance that a team completes a given open task on a working day (the test's 0.8 leaves
#: almost nothing open at any moment; a Land has queues)
DILIGENCE = 0.1
#: chance that an open task left for another day is taken by a caseworker of its team
CLAIM = 0.3


class TemplateWorld(World):
    """The random-order world with ``n_cases`` cases entering over ``intake_days`` days."""

    def __init__(self, eng: Staffel, seed: int, n_cases: int, intake_days: int) -> None:
        super().__init__(eng, seed)
        self.rng = random.Random(seed)
        starts = [d for d in (FIRST_DAY + timedelta(days=i) for i in range(intake_days))
                  if is_working_day(d, "NW")]
        self.tracks = [Track(make_plan(self.rng, i, self.rng.choice(starts)))
                       for i in range(n_cases)]

    def start(self, track: Track) -> None:
        """Start the case (a birth date in the past for any number of cases)."""
        plan = track.plan
        born = date(1960, 1, 1) + timedelta(days=(97 * plan.index) % (45 * 365))
        person = {**PERSON, "given_name": f"Person{plan.index}", "birth_date": born.isoformat()}
        info = self.eng.cases.start(person, "NW", plan.entry, plan.az, actor="cw_eingangszone")
        track.case_id, track.number = info.id, info.case_number

    def office(self, today: date, tasks: list[TaskInfo]) -> None:
        """The test's office, slower, and some tasks left open are claimed (a real
        ``task_claimed``: the Land's inboxes have tasks held by someone)."""
        saved, test_random_order.DILIGENCE = test_random_order.DILIGENCE, DILIGENCE
        try:
            super().office(today, tasks)
        finally:
            test_random_order.DILIGENCE = saved
        for task in tasks:
            if task.assignee is None and self.rng.random() < CLAIM:
                try:
                    self.eng.tasks.claim(task.id, f"cw_{task.team}")
                except Conflict:  # completed today, or ended by a report or a timer
                    continue

    def run_days(self, days: int) -> datetime:
        """Run ``days`` simulated days; the engine's time at the end (the snapshot moment)."""
        today = FIRST_DAY
        for _ in range(days):
            self.day(today)
            today += timedelta(days=1)
        # the snapshot moment: the evening of the last day (no timer is due before it)
        stop = berlin(today - timedelta(days=1), 20)
        self.eng.clock.advance(to=stop)
        return self.eng.clock.now()


def template_keys(database_url: str) -> KeyRing:
    """The template database's own keys (its key file; not the Land's STAFFEL_KEYS_FILE)."""
    return load_keys(database_url, env={})


def build_templates(database_url: str, n_cases: int, days: int,
                    seed: int | None = None) -> tuple[Staffel, datetime]:
    """A new engine on ``database_url`` with ``n_cases`` template cases after ``days``
    simulated days (intake over the first 90 % of them); the engine and its final time."""
    eng = Staffel(database_url, clock="simulated", clock_start=berlin(FIRST_DAY, 8),
                  keys=template_keys(database_url))
    eng.init_db()
    eng.definitions.deploy_directory(BPMN_DIR, actor="lead")
    world = TemplateWorld(eng, seed if seed is not None else seed_from_env(), n_cases,
                          max(1, days * 9 // 10))
    return eng, world.run_days(days)


def main(argv: list[str] | None = None) -> None:
    """Build the templates and print how the cases are spread over the stages."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=240)
    parser.add_argument("--days", type=int, default=540)
    parser.add_argument("--database-url", default="sqlite:////tmp/land/template.db")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    eng, stop = build_templates(args.database_url, args.cases, args.days)
    from sqlalchemy import select

    from engine.persistence.models import Case
    with eng.db.read() as session:
        stages = Counter(session.scalars(select(Case.stage)))
    print(f"{args.cases} template cases, {args.days} days, stop {stop.isoformat()}, "
          f"{time.perf_counter() - began:.1f} s; stages {dict(sorted(stages.items()))}")
    eng.close()


if __name__ == "__main__":
    main()
