#!/usr/bin/env bash
# Back up Staffel's PostgreSQL database with pg_dump (custom format), for cron or a systemd
# timer on any host that reaches the database (docs/deploy.md, "Backups").
#
#   scripts/backup-postgres.sh [-d DATABASE_URL] [-o DIR] [-k DAYS]
#     -d  the database (default: $STAFFEL_DATABASE_URL), postgresql://USER@HOST:PORT/DB;
#         keep the password in ~/.pgpass (or PGPASSWORD), not in the URL
#     -o  directory for the dumps (default: $STAFFEL_BACKUP_DIR or /var/backups/staffel)
#     -k  delete this script's dumps older than DAYS days (default: 0 = keep all)
#
# Writes DIR/staffel-YYYYmmddTHHMMSSZ.dump (mode 0600; aside first, moved into place when
# pg_dump and a pg_restore --list of it succeeded) and prints its path. Restore with
#   staffel restore --database-url URL --input FILE     (or: pg_restore --no-owner -d URL FILE)
# The keys file of the encryption at rest (STAFFEL_KEYS_FILE) is NOT in the dump: keep a copy
# of it apart from the dumps; a dump without its keys cannot be read.
# pg_dump is looked for in $STAFFEL_PG_BINDIR, else the newest /usr/lib/postgresql/*/bin
# (Debian), else the PATH; it must be at least the server's major version.
set -euo pipefail
URL="${STAFFEL_DATABASE_URL:-}"
DIR="${STAFFEL_BACKUP_DIR:-/var/backups/staffel}"
KEEP=0
while getopts "d:o:k:h" opt; do
  case "$opt" in
    d) URL="$OPTARG" ;;
    o) DIR="$OPTARG" ;;
    k) KEEP="$OPTARG" ;;
    *) sed -n '2,17p' "$0" >&2; exit 2 ;;
  esac
done
case "$URL" in
  postgresql://*|postgres://*) ;;
  postgresql+psycopg://*) URL="postgresql://${URL#postgresql+psycopg://}" ;;
  "") echo "error: no database: give -d postgresql://... or set STAFFEL_DATABASE_URL" >&2; exit 2 ;;
  *) echo "error: not a PostgreSQL URL (postgresql://USER@HOST:PORT/DB)" >&2; exit 2 ;;
esac
case "$KEEP" in ''|*[!0-9]*) echo "error: -k takes a whole number of days" >&2; exit 2 ;; esac
if [ ! -d "$DIR" ]; then
  echo "error: the directory $DIR does not exist" >&2
  exit 2
fi

find_tool() {
  local name="$1" dir
  if [ -n "${STAFFEL_PG_BINDIR:-}" ]; then
    [ -x "$STAFFEL_PG_BINDIR/$name" ] && echo "$STAFFEL_PG_BINDIR/$name"
    return 0
  fi
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "$dir" ] && [ -x "$dir/$name" ]; then echo "$dir/$name"; return 0; fi
  command -v "$name" || true
}
PG_DUMP="$(find_tool pg_dump)"
PG_RESTORE="$(find_tool pg_restore)"
if [ -z "$PG_DUMP" ] || [ -z "$PG_RESTORE" ]; then
  echo "error: pg_dump/pg_restore not found: apt-get install postgresql-client (or set STAFFEL_PG_BINDIR)" >&2
  exit 1
fi

umask 077
NAME="staffel-$(date -u +%Y%m%dT%H%M%SZ).dump"
PART="$DIR/.$NAME.part"
trap 'rm -f "$PART"' EXIT
"$PG_DUMP" --format=custom --file "$PART" --dbname "$URL"
LISTING="$("$PG_RESTORE" --list "$PART")"
if ! grep -Eq "TABLE [^ ]+ alembic_version" <<<"$LISTING"; then
  echo "error: the dump holds no Staffel schema (alembic_version): is this Staffel's database?" >&2
  exit 1
fi
mv "$PART" "$DIR/$NAME"
trap - EXIT
if [ "$KEEP" -gt 0 ]; then
  find "$DIR" -maxdepth 1 -name 'staffel-*.dump' -type f -mtime "+$KEEP" -print -delete >&2
fi
echo "$DIR/$NAME"
echo "The keys file (STAFFEL_KEYS_FILE) is NOT in this dump: keep a copy of it apart from the dumps." >&2
