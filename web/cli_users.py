"""``staffel user passwd|deactivate|activate``: what ends a user's access (issue 14, hole 7).

* ``staffel user passwd NAME [--password-stdin]`` — a new password; every page session and
  API token of the user ends (whoever knew the old password is out).
* ``staffel user deactivate NAME`` — the user can no longer sign in; his sessions and tokens
  end. ``staffel user activate NAME`` lets him sign in again (with new sessions only).
  Nobody deactivates the last active administrator.
* ``staffel user reset-link NAME [--base-url URL]`` — a one-time link to set a new password
  (48 hours of engine time, once; the administrators' page makes the same), printed once.

Registered on the ``staffel user`` group by :mod:`web.cli`.
"""

from __future__ import annotations

import sys

import click


def register(user_group: click.Group) -> None:
    """Add ``passwd``, ``deactivate``, ``activate`` and ``reset-link`` to ``staffel user``."""
    from web.cli_common import database_url_option, handle_errors, open_engine

    @user_group.command("passwd")
    @database_url_option
    @click.argument("username")
    @click.option("--password-stdin", is_flag=True,
                  help="Read the new password from the first line of standard input.")
    @handle_errors
    def user_passwd(database_url: str, username: str, password_stdin: bool) -> None:
        """Set a new password; ends all sessions and API tokens of the user."""
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
        open_engine(database_url).people.set_password(username, password, actor="cli")
        click.echo(f"password of {username} changed; all sessions and API tokens ended")

    @user_group.command("deactivate")
    @database_url_option
    @click.argument("username")
    @handle_errors
    def user_deactivate(database_url: str, username: str) -> None:
        """Deactivate a user; ends all sessions and API tokens of the user."""
        open_engine(database_url).people.set_active(username, False, actor="cli")
        click.echo(f"user {username} deactivated; all sessions and API tokens ended")

    @user_group.command("activate")
    @database_url_option
    @click.argument("username")
    @handle_errors
    def user_activate(database_url: str, username: str) -> None:
        """Let a deactivated user sign in again."""
        open_engine(database_url).people.set_active(username, True, actor="cli")
        click.echo(f"user {username} activated")

    @user_group.command("reset-link")
    @database_url_option
    @click.argument("username")
    @click.option("--base-url", default="http://127.0.0.1:5000", show_default=True,
                  help="Address of the web app the link points to.")
    @handle_errors
    def user_reset_link(database_url: str, username: str, base_url: str) -> None:
        """Print a one-time link with which the user sets a new password (48 hours)."""
        link = open_engine(database_url).people.issue_reset_link(username, actor="cli")
        click.echo(f"{base_url.rstrip('/')}/password/{link.token}")
        click.echo(f"valid once until {link.expires_at.isoformat()} (engine time); "
                   "an earlier link of the user has ended", err=True)
