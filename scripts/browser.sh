#!/usr/bin/env bash
# Make sure Debian's Chromium is there for the browser tests (Playwright drives it; Playwright's
# own browser download is not used). Installs it with apt-get when running as root.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium (Debian package) for the browser tests ..."
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "chromium is missing: browser tests will be skipped (sudo apt-get install chromium)" >&2
fi
