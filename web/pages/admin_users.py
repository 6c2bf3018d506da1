"""User administration on pages (issue 15, point 15); administrators only, 404 for everyone else.

* ``GET /admin/users`` — every user: username, teams, roles, active, last sign-in, e-mail.
* ``GET|POST /admin/users/new`` — create a user (username, roles, teams from the team
  registry, e-mail); field errors with 422 (409 when the name is taken), nothing stored then.
  The new user gets no password: the page shows the one-time link (once) with which he sets
  his first one.
* ``GET /admin/users/<username>`` — one user: roles and teams, active, password link.
* ``POST /admin/users/<username>/membership`` — change roles and teams (422 / 409 as above;
  the last active administrator keeps the admin role).
* ``POST /admin/users/<username>/deactivate|activate`` — deactivation ends his page sessions,
  API tokens and open links at once (409: yourself, or the last active administrator).
* ``POST /admin/users/<username>/reset-link`` — a new one-time link (48 hours of engine time),
  shown once to hand over; the set-password page is :mod:`web.pages.password_reset`.

Validation is the engine's (the same as ``staffel user add``); every change is audited there.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import TEAMS, USER_ROLES, Conflict, InvalidInput, NotFound, ResetLink
from web.auth import page_login_required
from web.pages.common import bp, engine, page_actor

MAX_FIELD = 300


def admin_username() -> str:
    """The signed-in administrator's username; 404 for everyone else."""
    actor = page_actor()
    if not actor.has_role("admin"):
        raise NotFound("no such page")
    return actor.username


def role_name(role: str) -> str:
    """A role in the page language."""
    names = {"caseworker": _("Caseworker"), "supervisor": _("Team lead"),
             "process_owner": _("Process owner"), "admin": _("Administrator")}
    return names.get(role, role)


def field_message(field: str, message: str) -> str:
    """The engine's field message in the page language (it says what to enter)."""
    if field == "username":
        return _("1 to 100 characters: letters, digits, _ . @ - (starting with a letter or "
                 "a digit).")
    if field == "email":
        return _("Enter an e-mail address such as name@stadt.example, or leave the field "
                 "empty.")
    if field == "password":
        if "at least" in message:
            return _("At least 10 characters.")
        if "at most" in message:
            return _("At most 1024 characters.")
        return _("Enter a password.")
    if "at least one role" in message:
        return _("Choose at least one role.")
    if "need a team" in message:
        return _("Caseworkers and team leads need at least one team.")
    if "belong to teams" in message:
        return _("Only caseworkers and team leads belong to teams: remove the teams or "
                 "choose one of these roles.")
    if field == "teams":
        return _("Choose teams from the list.")
    return _("Choose roles from the list.")


def field_errors(err: InvalidInput) -> dict[str, str]:
    """One message per field (the first), in the page language."""
    found: dict[str, str] = {}
    for error in err.errors:
        field = str(error.get("field", ""))
        found.setdefault(field, field_message(field, str(error.get("message", ""))))
    return found


def conflict_text(message: str) -> str:
    """The engine's conflict in the page language."""
    if "yourself" in message:
        return _("You cannot deactivate yourself.")
    if "last active administrator" in message:
        return _("At least one active administrator must remain.")
    if "deactivated" in message:
        return _("The user is deactivated: activate him first.")
    return _("Someone else changed this user at the same time; reload the page.")


def _choices() -> dict[str, Any]:
    return {"all_roles": [(r, role_name(r)) for r in USER_ROLES],
            "all_teams": [(t.key, t.key) for t in TEAMS]}


def _form_values() -> dict[str, Any]:
    return {"username": request.form.get("username", "")[:MAX_FIELD].strip(),
            "email": request.form.get("email", "")[:MAX_FIELD].strip(),
            "roles": [r[:40] for r in request.form.getlist("roles")][:10],
            "teams": [t[:40] for t in request.form.getlist("teams")][:20]}


def _link_page(link: ResetLink, created: bool) -> ResponseReturnValue:
    url = url_for("pages.password_reset", token=link.token, _external=True)
    return render_template("admin/user_link.html", link=link, url=url, created=created)


@bp.get("/admin/users")
@page_login_required
def admin_users() -> ResponseReturnValue:
    """Every user (administrators)."""
    admin_username()
    return render_template("admin/users.html", users=engine().people.overview(),
                           role_name=role_name)


def _new_form(values: dict[str, Any], errors: dict[str, str] | None = None,
              status: int = 200) -> ResponseReturnValue:
    return render_template("admin/user_new.html", values=values, errors=errors or {},
                           role_name=role_name, **_choices()), status


@bp.get("/admin/users/new")
@page_login_required
def admin_user_new() -> ResponseReturnValue:
    """The form for a new user."""
    admin_username()
    return _new_form({"username": "", "email": "", "roles": [], "teams": []})


@bp.post("/admin/users/new")
@page_login_required
def admin_user_create() -> ResponseReturnValue:
    """Create the user and show his one-time link; the form again with field errors."""
    actor = admin_username()
    values = _form_values()
    try:
        link = engine().people.create(values["username"], values["roles"], values["teams"],
                                      values["email"] or None, actor=actor)
    except InvalidInput as err:
        return _new_form(values, field_errors(err), 422)
    except Conflict:
        return _new_form(values, {"username": _("This user name is taken already.")}, 409)
    return _link_page(link, created=True)


def _user(username: str) -> Any:
    for user in engine().people.overview():
        if user.username == username:
            return user
    raise NotFound("no such user")


def _user_page(username: str, errors: dict[str, str] | None = None,
               values: dict[str, Any] | None = None, status: int = 200) -> ResponseReturnValue:
    user = _user(username)
    shown = values or {"roles": sorted(user.roles), "teams": sorted(user.teams)}
    return render_template("admin/user.html", user=user, values=shown, errors=errors or {},
                           role_name=role_name, me=page_actor().username, **_choices()), status


@bp.get("/admin/users/<username>")
@page_login_required
def admin_user(username: str) -> ResponseReturnValue:
    """One user: roles and teams, active, one-time link."""
    admin_username()
    return _user_page(username)


@bp.post("/admin/users/<username>/membership")
@page_login_required
def admin_user_membership(username: str) -> ResponseReturnValue:
    """Change the user's roles and teams."""
    actor = admin_username()
    _user(username)
    values = _form_values()
    try:
        engine().people.set_membership(username, values["roles"], values["teams"], actor=actor)
    except InvalidInput as err:
        return _user_page(username, field_errors(err), values, 422)
    except Conflict as err:
        return _user_page(username, {"roles": conflict_text(err.message)}, values, 409)
    flash(_("Roles and teams of %(user)s saved.", user=username), "success")
    return redirect(url_for("pages.admin_user", username=username))


@bp.post("/admin/users/<username>/<any(deactivate, activate):change>")
@page_login_required
def admin_user_active(username: str, change: str) -> ResponseReturnValue:
    """Deactivate (ends his sessions, tokens and links) or activate the user."""
    actor = admin_username()
    _user(username)
    try:
        engine().people.set_active(username, change == "activate", actor=actor)
    except Conflict as err:
        flash(_("Not possible: %(reason)s", reason=conflict_text(err.message)), "error")
        return _user_page(username, status=409)
    if change == "activate":
        flash(_("%(user)s can sign in again.", user=username), "success")
    else:
        flash(_("%(user)s is deactivated; his sessions, API tokens and password links have "
                "ended.", user=username), "success")
    return redirect(url_for("pages.admin_user", username=username))


@bp.post("/admin/users/<username>/reset-link")
@page_login_required
def admin_user_reset_link(username: str) -> ResponseReturnValue:
    """Issue a one-time link to set a new password and show it once."""
    actor = admin_username()
    _user(username)
    try:
        link = engine().people.issue_reset_link(username, actor=actor)
    except Conflict as err:
        flash(_("Not possible: %(reason)s", reason=conflict_text(err.message)), "error")
        return _user_page(username, status=409)
    return _link_page(link, created=False)
