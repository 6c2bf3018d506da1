"""``staffel keys``: the keys of the encryption at rest (docs/security.md).

* ``staffel keys status`` — per table, how many stored values are under the newest data key,
  under older keys, or not encrypted (counts only, never values).
* ``staffel keys add`` — put a new data key in front of the key file (``STAFFEL_KEYS_FILE``, or
  the file next to a SQLite database). New values are encrypted with it from the next start of
  each process; old values still read with the older keys.
* ``staffel keys rotate [--batch N]`` — re-encrypt every value under the newest key, one
  transaction per batch; resumable (run it again after an interruption).
* ``staffel keys retire`` — drop the older data keys from the file once nothing needs them.

Keys given in the environment (``STAFFEL_DATA_KEYS``/``STAFFEL_INDEX_KEY``) are changed
where they are kept (the secret store of the deployment); ``add`` then prints a new key to put
in front. Registered on the ``staffel`` group by :mod:`web.cli`.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from engine import (
    KeyReport,
    KeyRing,
    KeysError,
    TableKeys,
    key_file_of,
    read_key_file,
    write_key_file,
)


def report_lines(report: KeyReport) -> list[str]:
    """One line per table: newest key, older keys, unencrypted (and rewritten)."""
    lines = [f"{'table':<24}{'newest key':>12}{'older keys':>12}{'unencrypted':>13}"
             f"{'rewritten':>11}"]
    for table, t in report.tables.items():
        lines.append(f"{table:<24}{t.current:>12}{t.older:>12}{t.plain:>13}{t.rewritten:>11}")
    return lines


def _key_file(database_url: str) -> Path:
    """The key file to change; KeysError when the keys come from the environment."""
    if os.environ.get("STAFFEL_DATA_KEYS"):
        new = KeyRing.generate().data_keys[0].decode()
        raise KeysError("the keys come from the environment (STAFFEL_DATA_KEYS): put a new "
                        f"key in front there, e.g. {new},<the keys you have>, restart, then "
                        "run 'staffel keys rotate'")
    path = key_file_of(database_url)
    if path is None or not path.is_file():
        raise KeysError("no key file for this database: set STAFFEL_KEYS_FILE")
    return path


def register(main: click.Group) -> None:
    """Add the ``keys`` group to the ``staffel`` command."""
    from web.cli_common import database_url_option, handle_errors, open_engine

    @main.group("keys")
    def keys_group() -> None:
        """The keys of the encryption at rest: status, add, rotate, retire."""

    @keys_group.command("status")
    @database_url_option
    @handle_errors
    def keys_status(database_url: str) -> None:
        """Count the stored values per table and key (no values are shown)."""
        engine = open_engine(database_url)
        try:
            report = engine.keys.status()
        finally:
            engine.close()
        for line in report_lines(report):
            click.echo(line)
        click.echo(f"{report.outdated} value(s) not under the newest key.")

    @keys_group.command("add")
    @database_url_option
    @handle_errors
    def keys_add(database_url: str) -> None:
        """Put a new data key in front of the key file (then restart and rotate)."""
        path = _key_file(database_url)
        ring = read_key_file(path).with_new_data_key()
        write_key_file(path, ring, replace=True)
        click.echo(f"New data key added to {path} ({len(ring.data_keys)} data keys). "
                   "Restart the web workers and schedulers, then run 'staffel keys rotate'.")

    @keys_group.command("rotate")
    @click.option("--batch", default=500, show_default=True, type=click.IntRange(1, 100_000),
                  help="Rows per transaction.")
    @database_url_option
    @handle_errors
    def keys_rotate(batch: int, database_url: str) -> None:
        """Re-encrypt every stored value under the newest data key (resumable)."""
        engine = open_engine(database_url)

        def progress(table: str, counts: TableKeys) -> None:
            click.echo(f"  {table}: {counts.rewritten} rewritten", err=True)

        try:
            report = engine.keys.rotate(batch=batch, progress=progress)
        finally:
            engine.close()
        for line in report_lines(report):
            click.echo(line)
        click.echo(f"{report.rewritten} value(s) rewritten under the newest key.")

    @keys_group.command("retire")
    @database_url_option
    @handle_errors
    def keys_retire(database_url: str) -> None:
        """Remove the older data keys from the key file once no value needs them."""
        path = _key_file(database_url)
        engine = open_engine(database_url)
        try:
            outdated = engine.keys.status().outdated
        finally:
            engine.close()
        if outdated:
            raise KeysError(f"{outdated} value(s) still need an older key: run "
                            "'staffel keys rotate' first")
        ring = read_key_file(path)
        write_key_file(path, KeyRing(ring.data_keys[:1], ring.index_key), replace=True)
        click.echo(f"{len(ring.data_keys) - 1} older data key(s) removed from {path}.")
