"""``staffel keys status|add|rotate|retire`` on a real database and key file."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from engine import read_key_file
from tests.conftest import PERSON
from web.cli import main
from web.cli_common import open_engine


@pytest.fixture
def keyed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path]:
    """A SQLite database with one case, and its own key file."""
    monkeypatch.delenv("STAFFEL_DATA_KEYS", raising=False)
    monkeypatch.delenv("STAFFEL_INDEX_KEY", raising=False)
    key_file = tmp_path / "staffel.keys"
    monkeypatch.setenv("STAFFEL_KEYS_FILE", str(key_file))
    url = f"sqlite:///{tmp_path / 'staffel.db'}"
    engine = open_engine(url)
    engine.definitions.deploy_directory(Path(__file__).parents[1] / "data" / "engine")
    engine.cases.start(PERSON, "NW", "asylum", "8123456-423", process_key="basic")
    engine.close()
    return url, key_file


def run(url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["keys", *args, "--database-url", url])
    return result.exit_code, result.output


def test_add_rotate_and_retire_a_data_key(keyed: tuple[str, Path]) -> None:
    url, key_file = keyed
    code, out = run(url, "status")
    assert code == 0 and "0 value(s) not under the newest key" in out
    assert "Haddad" not in out
    code, out = run(url, "add")
    assert code == 0 and len(read_key_file(key_file).data_keys) == 2
    code, out = run(url, "status")
    assert code == 0 and "0 value(s) not under" not in out
    code, out = run(url, "retire")  # the old key is still needed
    assert code != 0 and "run 'staffel keys rotate' first" in out
    assert len(read_key_file(key_file).data_keys) == 2
    code, out = run(url, "rotate", "--batch", "1")
    assert code == 0 and "value(s) rewritten under the newest key" in out
    code, out = run(url, "retire")
    assert code == 0 and "1 older data key(s) removed" in out
    assert len(read_key_file(key_file).data_keys) == 1
    engine = open_engine(url)  # everything still reads with the one key left
    assert engine.cases.list().items[0].person["family_name"] == "Haddad"
    engine.close()


def test_keys_from_the_environment_are_not_edited(keyed: tuple[str, Path],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    url, key_file = keyed
    ring = read_key_file(key_file)
    monkeypatch.setenv("STAFFEL_DATA_KEYS", ring.data_keys[0].decode())
    monkeypatch.setenv("STAFFEL_INDEX_KEY", ring.to_toml().split('index = "')[1].split('"')[0])
    code, out = run(url, "add")
    assert code != 0 and "put a new key in front there" in out
    assert read_key_file(key_file) == ring
    code, out = run(url, "rotate", "--batch", "0")
    assert code != 0 and "--batch" in out
