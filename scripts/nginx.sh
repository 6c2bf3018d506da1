#!/usr/bin/env bash
# Make sure Debian's nginx is there for tests/ops/test_nginx.py (the committed site config in
# deploy/ is tested in front of a real `staffel serve`). Installs nginx-light with apt-get when
# running as root; the package's own service is not started (the test runs its own nginx on
# free ports with a private prefix).
set -euo pipefail
if [ -x /usr/sbin/nginx ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing nginx (Debian package nginx-light) for the deployment test ..."
  apt-get update -qq >/dev/null
  # policy-rc.d 101: the package must not start the system's nginx on port 80 (a policy
  # already in place, e.g. a container's, is left as it is)
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null \
    || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
else
  echo "nginx is missing: tests/ops/test_nginx.py will be skipped (sudo apt-get install nginx-light)" >&2
fi
