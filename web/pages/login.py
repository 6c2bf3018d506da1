"""Sign in, sign out and the language switch (the session keeps the chosen language)."""

from __future__ import annotations

import math

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from web import auth
from web.i18n import set_language
from web.pages.common import bp, safe_next
from web.throttle import SignInThrottled

MAX_FIELD = 1024


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Show the sign-in form; check the password on POST and go on to ``next``; 429 with
    ``Retry-After`` and the reason on the form after too many failed sign-ins."""
    target = safe_next(request.values.get("next"), url_for("pages.inbox"))
    if request.method == "GET" and auth.session_actor() is not None:
        return redirect(target)
    error = None
    username = request.form.get("username", "")[:MAX_FIELD].strip()
    if request.method == "POST":
        password = request.form.get("password", "")[:MAX_FIELD]
        try:
            if not username or not password:
                error = _("Please enter your user name and your password.")
            elif auth.login(username, password) is None:
                error = _("The user name or the password is wrong. Please try again.")
            else:
                flash(_("You are signed in."), "success")
                return redirect(target)
        except SignInThrottled as refused:
            error = _("Too many failed sign-ins. Please wait %(minutes)d minutes and try "
                      "again.", minutes=max(1, math.ceil(refused.retry_after / 60)))
            return render_template("pages/login.html", error=error, username=username,
                                   next=target), 429, {"Retry-After": str(refused.retry_after)}
    return render_template("pages/login.html", error=error, username=username,
                           next=target), 200


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """End the session and show the sign-in page."""
    auth.logout()
    flash(_("You are signed out."), "success")
    return redirect(url_for("pages.login"))


@bp.post("/language")
def language() -> ResponseReturnValue:
    """Switch the page language (German or English) and go back to the page."""
    set_language(request.form.get("lang", ""))
    return redirect(safe_next(request.form.get("next"), url_for("pages.inbox")))
