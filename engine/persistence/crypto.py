"""Encryption at rest of a person's data, and the blind index that finds it again.

What is encrypted (``cryptography``'s Fernet: AES-128-CBC with HMAC-SHA256, through
``MultiFernet`` so that older keys still decrypt while the newest encrypts): the person of a
case and its BAMF-Aktenzeichen, the state of every process instance (its task data), the
original agency files, the fields and payload of import clarifications and the payload of kept
messages. The column types below do it on the way into and out of the database, so the rooms
read and write plain values.

Keys never live in the database. :class:`KeyRing` holds the data keys (newest first) and one
index key; :func:`load_keys` reads them from the environment (``STAFFEL_DATA_KEYS``,
comma-separated, and ``STAFFEL_INDEX_KEY``) or a key file (``STAFFEL_KEYS_FILE``; for a SQLite
file without either, ``<database>.keys`` next to it, created on first use, mode 0600). A
database handle carries its key ring on its SQLAlchemy dialect (:func:`attach`), which is where
the column types find it.

The **blind index**: lookups by Aktenzeichen, birth date and name cannot search ciphertext,
so the engine stores keyed hashes (HMAC-SHA256 with the index key, :meth:`KeyRing.blind`) of
the values it looks up by; equal values give equal hashes, and without the key the hash says
nothing. Values written before encryption was switched on are read as they are (plain JSON /
text) until ``staffel keys rotate`` encrypts them.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import tomllib
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import LargeBinary, Text
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from engine.errors import StaffelError

TOKEN_PREFIX = b"gAAAAA"  # every Fernet token (version byte 0x80, base64)
_ATTRIBUTE = "staffel_keys"
ENV_DATA_KEYS, ENV_INDEX_KEY, ENV_KEYS_FILE = (
    "STAFFEL_DATA_KEYS", "STAFFEL_INDEX_KEY", "STAFFEL_KEYS_FILE")


class KeysError(StaffelError):
    """The keys are missing, malformed, or do not open the data."""

    code = "keys"


@dataclass(frozen=True)
class KeyRing:
    """The data keys (the first encrypts, all decrypt) and the blind-index key."""

    data_keys: tuple[bytes, ...]
    index_key: bytes

    def __post_init__(self) -> None:
        if not self.data_keys:
            raise KeysError("no data key: give at least one")
        try:
            fernets = [Fernet(k) for k in self.data_keys]
        except (ValueError, TypeError) as err:
            raise KeysError(f"a data key is not a Fernet key ({err})") from None
        if len(self.index_key) < 32:
            raise KeysError("the index key must have at least 32 bytes")
        object.__setattr__(self, "_multi", MultiFernet(fernets))
        object.__setattr__(self, "_primary", fernets[0])

    @classmethod
    def generate(cls) -> KeyRing:
        """A new key ring: one data key, one index key."""
        return cls((Fernet.generate_key(),), os.urandom(32))

    def encrypt(self, plain: bytes) -> bytes:
        """Encrypt with the newest data key."""
        token: bytes = self._multi.encrypt(plain)  # type: ignore[attr-defined]
        return token

    def decrypt(self, token: bytes) -> bytes:
        """Decrypt with whichever data key fits; KeysError if none does."""
        try:
            plain: bytes = self._multi.decrypt(token)  # type: ignore[attr-defined]
        except InvalidToken:
            raise KeysError("stored data cannot be decrypted with the configured keys "
                            "(a data key is missing)") from None
        return plain

    def is_current(self, token: bytes) -> bool:
        """True if ``token`` is encrypted with the newest data key."""
        try:
            self._primary.decrypt(token)  # type: ignore[attr-defined]
        except InvalidToken:
            return False
        return True

    def blind(self, kind: str, value: str) -> str:
        """The blind-index hash of a lookup value of one kind (``az``, ``born``, ``name``)."""
        message = f"{kind}\x1f{value}".encode()
        return hmac.new(self.index_key, message, hashlib.sha256).hexdigest()

    def with_new_data_key(self) -> KeyRing:
        """This ring with a fresh data key in front (the old ones still decrypt)."""
        return KeyRing((Fernet.generate_key(), *self.data_keys), self.index_key)

    def to_toml(self) -> str:
        """The ring as a key file."""
        data = ", ".join(f'"{k.decode()}"' for k in self.data_keys)
        index = base64.urlsafe_b64encode(self.index_key).decode()
        return ("# Staffel's keys. Keep a copy in a safe place, apart from the database and\n"
                "# its backups: without this file the personal data cannot be read.\n"
                "# data: newest first (it encrypts; the others still decrypt, see\n"
                "# `staffel keys rotate`). index: the blind-index key (never changes).\n"
                f"data = [{data}]\nindex = \"{index}\"\n")


def ring_from_strings(data_keys: list[str], index_key: str) -> KeyRing:
    """A key ring from the text form of its keys (Fernet keys; index key URL-safe base64)."""
    try:
        index = base64.urlsafe_b64decode(index_key.strip().encode())
    except (ValueError, TypeError):
        raise KeysError("the index key is not URL-safe base64") from None
    return KeyRing(tuple(k.strip().encode() for k in data_keys if k.strip()), index)


def read_key_file(path: Path) -> KeyRing:
    """Read a key file (TOML: ``data = [...]``, ``index = "..."``)."""
    try:
        parsed = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise KeysError(f"cannot read the key file {path}: {err.strerror}") from None
    except tomllib.TOMLDecodeError as err:
        raise KeysError(f"the key file {path} is not valid TOML: {err}") from None
    data, index = parsed.get("data"), parsed.get("index")
    if not isinstance(data, list) or not all(isinstance(k, str) for k in data) \
            or not isinstance(index, str):
        raise KeysError(f"the key file {path} needs data = [\"...\"] and index = \"...\"")
    return ring_from_strings(data, index)


def write_key_file(path: Path, ring: KeyRing, *, replace: bool = False) -> None:
    """Write a key file, mode 0600, whole or not at all: written aside, then moved over an
    existing one (``replace``) or linked into place (FileExistsError if another process was
    faster, which then reads a complete file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f"{path.name}.{os.getpid()}.new")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(ring.to_toml())
    try:
        if replace:
            os.replace(temp, path)
        else:
            os.link(temp, path)
    finally:
        if temp.exists():
            temp.unlink()


def default_key_file(database_url: str) -> Path | None:
    """``<database>.keys`` for a SQLite file; None for other databases and memory."""
    prefix = "sqlite:///"
    if not database_url.startswith(prefix):
        return None
    name = database_url[len(prefix):].split("?", 1)[0]
    if not name or name == ":memory:":
        return None
    return Path(name + ".keys")


def key_file_of(database_url: str, env: Mapping[str, str] | None = None) -> Path | None:
    """The key file a database uses: ``STAFFEL_KEYS_FILE`` or the default next to it."""
    env = os.environ if env is None else env
    named = env.get(ENV_KEYS_FILE)
    return Path(named) if named else default_key_file(database_url)


def load_keys(database_url: str, env: Mapping[str, str] | None = None) -> KeyRing:
    """The key ring of a database, from the environment or its key file (see module doc).

    A SQLite file without configured keys gets a new key file next to it; an in-memory
    database a throwaway ring; any other database without keys is refused.
    """
    env = os.environ if env is None else env
    if env.get(ENV_DATA_KEYS) or env.get(ENV_INDEX_KEY):
        if not (env.get(ENV_DATA_KEYS) and env.get(ENV_INDEX_KEY)):
            raise KeysError(f"set both {ENV_DATA_KEYS} and {ENV_INDEX_KEY}")
        return ring_from_strings(env[ENV_DATA_KEYS].split(","), env[ENV_INDEX_KEY])
    path = key_file_of(database_url, env)
    if path is None:
        if database_url.startswith("sqlite"):
            return KeyRing.generate()  # in memory: the data dies with the process
        raise KeysError(f"no keys for this database: set {ENV_KEYS_FILE} (see "
                        "docs/security.md, 'Encryption at rest')")
    if not path.exists():
        with contextlib.suppress(FileExistsError):  # another process was a moment faster
            write_key_file(path, KeyRing.generate())
    return read_key_file(path)


# -- where the column types find the ring ------------------------------------------------------
def attach(engine: Engine, ring: KeyRing) -> None:
    """Give a database's connections their key ring."""
    setattr(engine.dialect, _ATTRIBUTE, ring)


def ring_of(dialect: Dialect) -> KeyRing:
    """The key ring of a dialect (KeysError if the database was opened without one)."""
    ring = getattr(dialect, _ATTRIBUTE, None)
    if ring is None:
        raise KeysError("this database handle has no keys")
    return ring


def session_ring(session: Session) -> KeyRing:
    """The key ring of a session's database."""
    return ring_of(session.get_bind().dialect)


# -- column types --------------------------------------------------------------------------------
class EncryptedJSON(TypeDecorator[Any]):
    """JSON data, stored as a Fernet token (text). Plain JSON written before encryption reads
    as it is."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        """Encrypt the JSON text of ``value``."""
        if value is None:
            return None
        plain = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
        return ring_of(dialect).encrypt(plain).decode("ascii")

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        """Decrypt (or read legacy plain JSON)."""
        if value is None:
            return None
        if not isinstance(value, str):  # a JSON column not yet converted (legacy)
            return value
        raw = value.encode()
        if raw.startswith(TOKEN_PREFIX):
            raw = ring_of(dialect).decrypt(raw)
        return json.loads(raw)


class EncryptedText(TypeDecorator[str]):
    """A short text, stored as a Fernet token. Plain text written before reads as it is."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        """Encrypt ``value``."""
        if value is None:
            return None
        return ring_of(dialect).encrypt(str(value).encode()).decode("ascii")

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        """Decrypt (or read legacy plain text)."""
        if value is None:
            return None
        raw = str(value).encode()
        if not raw.startswith(TOKEN_PREFIX):
            return str(value)
        return ring_of(dialect).decrypt(raw).decode()


class EncryptedBlob(TypeDecorator[bytes]):
    """Bytes, compressed (zlib) and stored as a Fernet token. Unencrypted bytes written
    before read as they are (process states start with ``{``, files never with a token)."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> bytes | None:
        """Compress and encrypt ``value`` (empty stays empty: a row being created)."""
        if value is None:
            return None
        if not value:
            return b""
        return ring_of(dialect).encrypt(zlib.compress(bytes(value), 1))

    def process_result_value(self, value: Any, dialect: Dialect) -> bytes | None:
        """Decrypt and decompress (or read legacy plain bytes)."""
        if value is None:
            return None
        raw = bytes(value)
        if not raw.startswith(TOKEN_PREFIX):
            return raw
        return zlib.decompress(ring_of(dialect).decrypt(raw))
