"""The case list with search, and "Fall anlegen" (issue 12).

* ``GET /cases`` — the cases the user's teams work on (admins: all, numbers only), searched by
  case number, BAMF-Aktenzeichen, name (umlaut-tolerant, as the import matching) and date of
  birth; filter by stage; paged
* ``GET|POST /cases/new`` — register a case (Eingangszone, supervisors, admins): the minimal
  person data, entry, Land, the administrative court (optional), BAMF-Aktenzeichen; the API's
  validation (422 with the fields); a warning when the Aktenzeichen or name and date of birth
  already exist (confirm to go on); then straight to the case's first task
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from marshmallow import ValidationError

from engine import COURTS, LANDS, CaseHit, Forbidden, ReadTarget
from web import authz, personal_data
from web.auth import Actor, page_login_required
from web.forms_render import LIST_SEPARATORS, Field
from web.pages.common import bp, engine, page_actor
from web.pages.imports_access import page_arg
from web.pages.labels import LAND_NAMES, STAGES, stage_name, team_name

PER_PAGE = 20
_GERMAN_DATE = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*$")
PERSON_FIELDS = ("family_name", "given_name", "birth_date", "nationality", "languages",
                 "interpreter_needed")
CASE_FIELDS = (*PERSON_FIELDS, "entry", "land", "court", "bamf_aktenzeichen")


def iso_date(text: str) -> str | None:
    """``12.04.1990`` or ``1990-04-12`` as ISO date; None if it is no date."""
    found = _GERMAN_DATE.match(text)
    candidate = (f"{found.group(3)}-{int(found.group(2)):02d}-{int(found.group(1)):02d}"
                 if found else text.strip())
    try:
        return date.fromisoformat(candidate).isoformat()
    except ValueError:
        return None


@bp.get("/cases")
@page_login_required
def case_list() -> ResponseReturnValue:
    """The searchable list of the cases the user may see."""
    actor = page_actor()
    teams = authz.case_list_teams(actor)
    by_person = authz.may_search_people(actor)
    text = request.args.get("q", "").strip()[:200]
    born_text = request.args.get("born", "").strip()[:20] if by_person else ""
    born = iso_date(born_text) if born_text else None
    stage = request.args.get("stage", "")
    stage = stage if stage in STAGES else ""
    results = engine().cases.search(teams=teams, text=text or None, birth_date=born,
                                    stage=stage or None, by_person=by_person,
                                    page=page_arg(), per_page=PER_PAGE)
    shown = [ReadTarget(hit.case.id, "case_list") for hit in results.items
             if hit.family_name is not None or hit.birth_date is not None]
    eng = engine()  # the names in the list are reads too: one INSERT for the page
    eng.personal_data.record_reads(shown, personal_data.PAGE, actor.username)
    return render_template(
        "pages/cases.html", results=results, q=text, born=born_text, stage=stage,
        born_error=bool(born_text) and born is None, by_person=by_person,
        stages=[(code, f"{code} – {stage_name(code)}") for code in STAGES],
        may_create=authz.can_create_case(actor))


def _fields(values: dict[str, Any], errors: dict[str, str]) -> list[Field]:
    def field(name: str, label: str, widget: str, required: bool, **kw: Any) -> Field:
        return Field(name, label, widget, required, value=values.get(name, ""),
                     error=errors.get(name), **kw)

    return [
        field("family_name", _("Family name"), "text", True, attrs={"maxlength": "200",
                                                                     "autocomplete": "off"}),
        field("given_name", _("Given name"), "text", True, attrs={"maxlength": "200",
                                                                   "autocomplete": "off"}),
        field("birth_date", _("Date of birth"), "date", True),
        field("nationality", _("Nationality"), "text", False,
              hint=_("Country code, e.g. SY, AF, UA"), attrs={"maxlength": "40"}),
        field("languages", _("Languages"), "list", False,
              hint=_("Language codes, separated by commas, e.g. ar, ku")),
        field("interpreter_needed", _("Interpreter needed"), "radio", False,
              options=[("true", _("Yes")), ("false", _("No"))]),
        field("entry", _("Entry"), "radio", True,
              options=[("asylum", _("Asylum")), ("resettlement", _("Resettlement"))]),
        field("land", _("Land"), "select", True,
              options=[(code, LAND_NAMES.get(code, code)) for code in sorted(
                  LANDS, key=lambda c: LAND_NAMES.get(c, c))]),
        field("court", _("Administrative court"), "select", False,
              hint=_("The competent Verwaltungsgericht: the public holidays at its seat move the "
                     "last day to sue. Empty: the Land's default court."),
              options=court_options()),
        field("bamf_aktenzeichen", _("BAMF file number"), "text", False,
              hint=_("As on the arrival certificate; empty for resettlement without one"),
              attrs={"maxlength": "40", "autocomplete": "off"}),
    ]


def court_options() -> list[tuple[str, str]]:
    """The Verwaltungsgerichte as select options, by Land and name: "VG Augsburg (Bayern)"."""
    courts = sorted(COURTS.values(), key=lambda c: (LAND_NAMES.get(c.land, c.land), c.name))
    return [(c.key, f"{c.name} ({LAND_NAMES.get(c.land, c.land)})") for c in courts]


def _body(form: Any) -> dict[str, Any]:
    """The posted form as the API's request body (empty inputs left out)."""
    person: dict[str, Any] = {}
    for name in ("family_name", "given_name", "nationality"):
        if form.get(name, "").strip():
            person[name] = form[name].strip()
    born = form.get("birth_date", "").strip()
    if born:
        person["birth_date"] = iso_date(born) or born
    languages = [v.strip() for v in LIST_SEPARATORS.split(form.get("languages", ""))
                 if v.strip()]
    if languages:
        person["languages"] = languages
    if form.get("interpreter_needed") in ("true", "false"):
        person["interpreter_needed"] = form["interpreter_needed"] == "true"
    body: dict[str, Any] = {"person": person}
    for name in ("entry", "land", "court", "bamf_aktenzeichen"):
        if form.get(name, "").strip():
            body[name] = form[name].strip()
    return body


def _explain(messages: Any) -> str:
    text = " ".join(messages) if isinstance(messages, list) else str(messages)
    if "Missing data" in text:
        return _("Please fill in this field.")
    if "Not a valid date" in text:
        return _("Please enter a valid date.")
    if "the case's Land is" in text:
        return _("This court is not in the chosen Land.")
    if "Must be one of" in text:
        return _("Please choose one of the options.")
    between = re.search(r"Length must be between (\d+) and (\d+)", text)
    if between:
        return _("Please enter %(min)s to %(max)s characters.", min=between.group(1),
                 max=between.group(2))
    if "Longer than maximum" in text:
        return _("The text is too long.")
    if "Shorter than minimum" in text:
        return _("The text is too short.")
    return _("Please check this value.")


def field_errors(err: ValidationError) -> dict[str, str]:
    """marshmallow's errors of the case body as German messages per form field."""
    found: dict[str, str] = {}
    messages = err.messages if isinstance(err.messages, dict) else {}
    for name, value in messages.items():
        if name == "person" and isinstance(value, dict):
            for inner, text in value.items():
                found[str(inner) if inner in PERSON_FIELDS else "family_name"] = _explain(text)
        elif name in CASE_FIELDS:
            found[str(name)] = _explain(value)
    return found


def _form(values: dict[str, Any], errors: dict[str, str] | None = None,
          duplicates: tuple[CaseHit, ...] = (), status: int = 200) -> ResponseReturnValue:
    return render_template("pages/case_new.html", fields=_fields(values, errors or {}),
                           errors=errors or {}, duplicates=duplicates), status


def _creator() -> Actor:
    actor = page_actor()
    if not authz.can_create_case(actor):
        raise Forbidden("only the Eingangszone, team leads and admins register cases")
    return actor


@bp.get("/cases/new")
@page_login_required
def case_new() -> ResponseReturnValue:
    """The "Fall anlegen" form."""
    _creator()
    return _form({"entry": "asylum"})


@bp.post("/cases/new")
@page_login_required
def case_create() -> ResponseReturnValue:
    """Register the case and go to its first task (or warn about a possible duplicate)."""
    from web.api.schemas import CaseCreateSchema

    actor = _creator()
    eng = engine()
    values = {name: request.form.get(name, "").strip() for name in CASE_FIELDS}
    try:
        body = CaseCreateSchema().load(_body(request.form))
    except ValidationError as err:
        return _form(values, field_errors(err), status=422)
    person = dict(body["person"])
    person["birth_date"] = person["birth_date"].isoformat()
    az = body.get("bamf_aktenzeichen")
    if request.form.get("confirm_duplicate") != "yes":
        duplicates = eng.cases.duplicates(person, az, teams=authz.visible_teams(actor))
        if duplicates:  # the names of the possible duplicates are reads too
            eng.personal_data.record_reads(
                [ReadTarget(hit.case.id, "case_list") for hit in duplicates
                 if hit.family_name is not None], personal_data.PAGE, actor.username)
            return _form(values, duplicates=duplicates, status=409)
    case = eng.cases.start(person, body["land"], body["entry"], az,
                           process_key=current_app.config["CASE_PROCESS"],
                           actor=actor.username, court=body.get("court"))
    first = next((t for t in case.open_tasks if authz.can_view_task(actor, t)), None)
    if first is not None:
        flash(_("Case %(number)s registered.", number=case.case_number), "success")
        return redirect(url_for("pages.task", task_id=first.id))
    teams = ", ".join(sorted({team_name(t.team) for t in case.open_tasks}))
    flash(_("Case %(number)s registered. Its first task is with: %(teams)s.",
            number=case.case_number, teams=teams or "–"), "success")
    if authz.can_view_case(eng, actor, case.id):
        return redirect(url_for("pages.case", case_id=case.id))
    return redirect(url_for("pages.case_list"))
