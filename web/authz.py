"""The one authorization module: every "may this actor see / do that?" of the web layer.

Roles (a user may have several):

* ``caseworker`` — member of one or more teams. Sees the tasks of his teams and the cases his
  teams have or had a task on; claims, unclaims (his own), completes the tasks of his teams.
* ``supervisor`` — leads one or more teams and is always a member of the ``supervisor`` team
  (escalations). Sees and works on his teams' tasks like a caseworker, and may also unclaim,
  complete and (re)assign tasks held by anyone in those teams.
* ``process_owner`` — owns the process definitions; no access to cases or tasks.
* ``admin`` — operates the system: reads every case and task, creates cases, sends messages
  (integration token), moves the simulated clock. Does not work on tasks (no claim, complete,
  assign: that needs a team).

Answers: 403 (:class:`Forbidden`) when the role does not allow the action at all; 404
(:class:`NotFound`) when the thing exists but the actor may not see it, exactly as if it did
not exist. The same rule serves lists and fetching by id.

A case's view lists all its open tasks (team, title, assignee) so that every team working on
it sees where it stands (warm handover); fetching or acting on a task needs the team.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine import Conflict, Forbidden, InvalidInput, NotFound, Staffel, TaskInfo, TaskQuery
from web.auth import Actor, actor_from_user

WORK_ROLES = ("caseworker", "supervisor")
CASE_CREATING_TEAM = "eingangszone"
IMPORT_TEAM = "eingangszone"  # uploads agency files and decides their Klärfälle
#: Who records which outside event: by hand on the case page, or as a caseworker through
#: ``POST /api/v1/messages`` (other systems send with an admin/integration token). The team
#: that holds the paper or hears of it first: the permit is the Ausländerbehörde's; a BAMF
#: decision reaches the Eingangszone, the Sozialamt or the ABH; course reports come from the
#: course provider or the Jobcenter's placement team; the SGB II application is received by
#: the Jobcenter's benefits team.
RECORDERS: dict[str, frozenset[str]] = {
    "permit_issued": frozenset({"auslaenderbehoerde"}),
    "bamf_decision": frozenset({"eingangszone", "sozialamt", "auslaenderbehoerde"}),
    "course_started": frozenset({"kurstraeger", "jc_vermittlung"}),
    "course_result": frozenset({"kurstraeger", "jc_vermittlung"}),
    "sgb2_application_received": frozenset({"jc_leistung"}),
    "duldung_issued": frozenset({"auslaenderbehoerde"}),
    "training_contract": frozenset({"auslaenderbehoerde"}),
}
MESSAGE_TEAMS = frozenset().union(*RECORDERS.values())
TASK_ACTIONS = ("view", "claim", "unclaim", "complete", "assign")


def is_admin(actor: Actor) -> bool:
    """True for administrators."""
    return actor.has_role("admin")


def visible_teams(actor: Actor) -> frozenset[str] | None:
    """Teams whose work the actor sees; None means every team (admin)."""
    if is_admin(actor):
        return None
    if actor.has_role(*WORK_ROLES):
        return actor.teams
    return frozenset()


def require(allowed: bool, message: str) -> None:
    """Raise 403 unless ``allowed``."""
    if not allowed:
        raise Forbidden(message)


def can_see_work(actor: Actor) -> bool:
    """May the actor use case and task endpoints at all (not process owners)."""
    return is_admin(actor) or actor.has_role(*WORK_ROLES)


# -- cases -------------------------------------------------------------------------------------
def can_create_case(actor: Actor) -> bool:
    """Eingangszone caseworkers, supervisors and admins create cases."""
    return (is_admin(actor) or actor.has_role("supervisor")
            or (actor.has_role("caseworker") and CASE_CREATING_TEAM in actor.teams))


def case_list_teams(actor: Actor) -> frozenset[str] | None:
    """The team filter for case lists (403 for roles without access to cases)."""
    require(can_see_work(actor), "your role has no access to cases")
    return visible_teams(actor)


def can_view_case(engine: Staffel, actor: Actor, case_id: str) -> bool:
    """True if the case exists and the actor's teams have or had a task on it (admin: any)."""
    return can_see_work(actor) and engine.cases.visible(case_id, visible_teams(actor))


def require_case_visible(engine: Staffel, actor: Actor, case_id: str) -> None:
    """403 for roles without case access, 404 when the case is absent or not visible."""
    require(can_see_work(actor), "your role has no access to cases")
    if not engine.cases.visible(case_id, visible_teams(actor)):
        raise NotFound("no such case")


# -- a person's data ----------------------------------------------------------------------------
def may_see_person(engine: Staffel, actor: Actor, case_id: str | None = None) -> bool:
    """The one rule for a person's data (name, birth date, nationality, languages, the
    BAMF-Aktenzeichen, the process data of tasks, agency lines and their original files).

    Only caseworkers and supervisors see it, and only for work their teams have: a case's
    data for members of teams that have or had a task on the case; the data of agency lines
    not yet matched to a case (``case_id`` None: clarifications, original import files) for
    the Eingangszone, which decides them. Administrators and process owners never do: they
    operate the system and the diagrams and see pseudonymous case numbers only.
    """
    if not may_search_people(actor):
        return False
    if case_id is None:
        return IMPORT_TEAM in actor.teams
    return engine.cases.visible(case_id, actor.teams)


def may_search_people(actor: Actor) -> bool:
    """Lists and searches: by name, birth date and Aktenzeichen only for those who may see a
    person's data at all (caseworkers and team leads, within their teams' cases, which the
    list query limits); administrators search by case number and see no person's data."""
    return actor.has_role(*WORK_ROLES) and bool(actor.teams)


def require_person_visible(engine: Staffel, actor: Actor, case_id: str | None = None) -> None:
    """404 unless :func:`may_see_person` (for things that are nothing but a person's data)."""
    if not may_see_person(engine, actor, case_id):
        raise NotFound("no such record")


# -- erasure (four eyes) -------------------------------------------------------------------------
def can_request_erasure(engine: Staffel, actor: Actor, case_id: str) -> bool:
    """An erasure request for a case's person: team leads (supervisors) of a team that has or
    had work on the case. Not administrators: they decide requests, and the two must be two
    different people (four eyes)."""
    return actor.has_role("supervisor") and engine.cases.visible(case_id, actor.teams)


def can_decide_erasure(actor: Actor) -> bool:
    """Approving or rejecting an erasure request, and the list of pending ones: administrators
    (the engine refuses the requester as approver)."""
    return is_admin(actor)


def require_erasure_requester(engine: Staffel, actor: Actor, case_id: str) -> None:
    """403 for roles without case access, 404 when the case is absent or not visible, 403
    when the actor may see it but not request its erasure."""
    require_case_visible(engine, actor, case_id)
    require(can_request_erasure(engine, actor, case_id),
            "only team leads of a team with work on the case request an erasure")


# -- handovers -----------------------------------------------------------------------------------
def can_fetch_handover(actor: Actor, from_team: str, to_team: str) -> bool:
    """The handover package and invitation: members (caseworkers, supervisors) of the sending
    or the receiving team only. Admins do not see a person's data (as on the case view)."""
    return actor.has_role(*WORK_ROLES) and bool(actor.teams & {from_team, to_team})


def authorize_handover(engine: Staffel, actor: Actor, handover_id: str) -> None:
    """403 for roles without case access; 404 when the handover is absent or the actor is in
    neither of its teams (exactly as if it did not exist)."""
    require(can_see_work(actor), "your role has no access to cases")
    teams = engine.handovers.teams(handover_id)
    if teams is None or not can_fetch_handover(actor, *teams):
        raise NotFound(f"handover {handover_id[:40]} does not exist")


# -- tasks -------------------------------------------------------------------------------------
def can_view_task(actor: Actor, task: TaskInfo) -> bool:
    """A task is visible to admins and to the members of its team."""
    teams = visible_teams(actor)
    return teams is None or task.team in teams


def can_act_on_task(actor: Actor, task: TaskInfo) -> bool:
    """Caseworkers and supervisors of the task's team work on it."""
    return actor.has_role(*WORK_ROLES) and task.team in actor.teams


def can_assign(actor: Actor, task: TaskInfo) -> bool:
    """Supervisors of the task's team (re)assign it and take it from anyone."""
    return actor.has_role("supervisor") and task.team in actor.teams


def authorize_task(engine: Staffel, actor: Actor, task_id: str, action: str) -> TaskInfo:
    """Load a task and check ``action`` on it; 403 / 404 / 409 as the module doc says."""
    check = task_check(actor, action)
    return check(engine.tasks.info(task_id))


def task_check(actor: Actor, action: str) -> Callable[[TaskInfo], TaskInfo]:
    """Check now that the actor's role may work with tasks at all (403), and return the check
    of ``action`` on one loaded task (404 / 403 / 409): for :func:`authorize_task`, or for the
    engine to call inside its own transaction (``tasks.complete(…, authorize=…)``), which saves
    the separate read of the task."""
    if action not in TASK_ACTIONS:
        raise ValueError(f"unknown task action {action!r}")
    require(can_see_work(actor), "your role has no access to tasks")
    return lambda task: _check_task(actor, task, action)


def _check_task(actor: Actor, task: TaskInfo, action: str) -> TaskInfo:
    """``action`` on a loaded task: 404 / 403 / 409 as the module doc says."""
    if not can_view_task(actor, task):
        raise NotFound(f"task {task.id} does not exist")
    if action == "view":
        return task
    if action == "assign":
        require(can_assign(actor, task), "only a supervisor of the task's team assigns it")
        return task
    require(can_act_on_task(actor, task), "only members of the task's team work on it")
    held_by_other = task.assignee not in (None, actor.username)
    if held_by_other and action in ("unclaim", "complete") and not can_assign(actor, task):
        if action == "unclaim":
            raise Forbidden(f"the task is claimed by {task.assignee}; only they or a "
                            "supervisor of the team can give it back")
        raise Conflict(f"the task is claimed by {task.assignee}")
    return task


def authorize_task_draft(engine: Staffel, actor: Actor, task_id: str) -> TaskInfo:
    """A draft of a task (private to its user): members of the task's team who work on it;
    403 for roles that never work on tasks (admins, process owners), 404 for other teams."""
    task = authorize_task(engine, actor, task_id, "view")
    require(can_act_on_task(actor, task), "only members of the task's team work on it")
    return task


def authorize_task_comments(engine: Staffel, actor: Actor, task_id: str) -> TaskInfo:
    """Comments on a task (read and write): members of the teams that have or had a task on
    its case (:func:`may_see_person`: comments are about a person). Process owners 403;
    everyone else, administrators too, 404 as if the task did not exist."""
    require(can_see_work(actor), "your role has no access to tasks")
    task = engine.tasks.info(task_id)
    if not may_see_person(engine, actor, task.case_id):
        raise NotFound(f"task {task_id} does not exist")
    return task


def require_assignable(engine: Staffel, task: TaskInfo, username: Any) -> str:
    """422 unless ``username`` is an active caseworker or supervisor of the task's team."""
    user = engine.people.get(username) if isinstance(username, str) else None
    if user is None or not user.active or not is_member(actor_from_user(user), task.team):
        raise InvalidInput(f"{username!r} is not a member of team {task.team}",
                           [{"field": "username",
                             "message": f"must be a member of team {task.team}"}])
    return user.username


def is_member(actor: Actor, team: str) -> bool:
    """True if the actor works in ``team`` (as caseworker or supervisor)."""
    return actor.has_role(*WORK_ROLES) and team in actor.teams


def task_query(actor: Actor, *, scope: str = "team", team: str | None = None,
               overdue: bool | None = None, case_id: str | None = None, page: int = 1,
               per_page: int = 50) -> TaskQuery:
    """The inbox query for an actor: always limited to the teams he sees.

    ``scope=mine`` lists the tasks assigned to the actor; ``team`` narrows to one of his
    teams (403 for a team he is not in).
    """
    teams = visible_teams(actor)
    require(can_see_work(actor), "your role has no access to tasks")
    if team is not None:
        require(teams is None or team in teams, f"you are not a member of team {team}")
        teams = frozenset({team})
    return TaskQuery(teams=sorted(teams) if teams is not None else None,
                     assignee=actor.username if scope == "mine" else None,
                     overdue=overdue, case_id=case_id, page=page, per_page=per_page)


# -- messages, clock, definitions ----------------------------------------------------------------
def can_send_messages(actor: Actor) -> bool:
    """Admins (integration tokens) and members of the teams that record outside events."""
    return is_admin(actor) or (actor.has_role(*WORK_ROLES)
                               and bool(actor.teams & MESSAGE_TEAMS))


def can_record(actor: Actor, message: str) -> bool:
    """A caseworker or team lead of a team that records this outside event (:data:`RECORDERS`).
    Administrators do not record by hand: they see no person's data."""
    return actor.has_role(*WORK_ROLES) and bool(actor.teams & RECORDERS.get(message, set()))


def authorize_message(engine: Staffel, actor: Actor, case_id: str | None,
                      correlation: dict[str, Any] | None, name: Any = None) -> str:
    """Resolve the target case of a message and check the actor may send it there: admins
    any message to any case, caseworkers the messages of :data:`RECORDERS` to cases their
    teams work on."""
    require(can_send_messages(actor), "your role or team does not send messages")
    if not is_admin(actor):
        require(isinstance(name, str) and can_record(actor, name),
                "your team does not record this message")
    found = engine.cases.find_id(case_id, correlation)
    if not is_admin(actor) and not engine.cases.visible(found, actor.teams):
        raise NotFound("no such case")
    return found


def can_advance_clock(actor: Actor) -> bool:
    """Only administrators move the simulated clock."""
    return is_admin(actor)


def can_edit_definitions(actor: Actor) -> bool:
    """Validate, save, test and deploy process definitions and decision tables: process owners
    and administrators."""
    return actor.has_role("process_owner") or is_admin(actor)


def can_read_definitions(actor: Actor) -> bool:
    """Every signed-in user may list the deployed process definitions (metadata only)."""
    return bool(actor.roles)


# -- inbound imports (issue 7) -----------------------------------------------------------------


def can_use_imports(actor: Actor) -> bool:
    """Upload agency files and decide clarifications: members of the Eingangszone, the
    supervisors who lead it, and admins. Everyone else gets 404 (the pages do not exist
    for them)."""
    return is_admin(actor) or is_member(actor, IMPORT_TEAM)
