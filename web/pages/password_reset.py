"""``GET|POST /password/<token>``: set your password with the one-time link an administrator
handed over (issue 15, point 15). Reachable without signing in.

The link works once and for 48 hours of engine time; a wrong, used, replaced or expired link
shows a clear message (404 for a link that never existed, 410 for one that did) and changes
nothing. Setting the password ends every session and API token of the user; he then signs in
with it. The token is never logged.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from engine import InvalidInput
from web.pages.admin_users import field_message
from web.pages.common import bp, engine

MAX_PASSWORD = 2048


def link_problem_text(problem: str) -> str:
    """Why a link does not work, in the page language."""
    if problem == "used":
        return _("This link has been used already. Ask an administrator for a new one.")
    if problem == "expired":
        return _("This link has expired. Ask an administrator for a new one.")
    if problem == "ended":
        return _("This link is no longer valid: a newer link was issued or the user was "
                 "deactivated. Ask an administrator.")
    return _("This link is not valid. Check that you copied it completely, or ask an "
             "administrator for a new one.")


def _problem(err: InvalidInput) -> str | None:
    for error in err.errors:
        if error.get("field") == "token":
            return str(error.get("message"))
    return None


def _link_error(problem: str) -> ResponseReturnValue:
    return render_template("pages/password_reset.html", problem=link_problem_text(problem),
                           username=None, errors={}), 404 if problem == "unknown" else 410


@bp.route("/password/<token>", methods=["GET", "POST"])
def password_reset(token: str) -> ResponseReturnValue:
    """The form to set a new password (a password twice); sign in afterwards."""
    people = engine().people
    try:
        username = people.reset_link_user(token)
    except InvalidInput as err:
        return _link_error(_problem(err) or "unknown")
    errors: dict[str, str] = {}
    if request.method == "POST":
        password = request.form.get("password", "")[:MAX_PASSWORD]
        if password != request.form.get("password_repeat", "")[:MAX_PASSWORD]:
            errors["password_repeat"] = _("The two passwords differ; enter the same one "
                                          "twice.")
        else:
            try:
                people.reset_password(token, password)
            except InvalidInput as err:
                problem = _problem(err)
                if problem is not None:  # used or ended meanwhile (another tab)
                    return _link_error(problem)
                errors["password"] = field_message("password", str(err.errors[0]["message"]))
            else:
                flash(_("Your password is set. Sign in with it now."), "success")
                return redirect(url_for("pages.login"))
    return render_template("pages/password_reset.html", problem=None, username=username,
                           errors=errors), 422 if errors else 200
