#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed for the console's browser test
# (packages/node/test/console.browser.test.ts drives it with playwright-core), as the PostgreSQL
# tests provision their own server. Prints the browser's path on stdout; everything else on stderr.
#   REFRACT_CHROMIUM=/path/to/chromium   use that browser instead (nothing is installed)
set -euo pipefail
if [ -n "${REFRACT_CHROMIUM:-}" ]; then
  [ -x "$REFRACT_CHROMIUM" ] || { echo "refract: REFRACT_CHROMIUM=$REFRACT_CHROMIUM is not an executable" >&2; exit 1; }
  echo "$REFRACT_CHROMIUM"; exit 0
fi
for candidate in /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -x "$candidate" ]; then echo "$candidate"; exit 0; fi
done
if ! command -v apt-get >/dev/null 2>&1; then
  echo "refract: the console's browser test needs Chromium: no /usr/bin/chromium and no apt-get to install it; install Chromium or set REFRACT_CHROMIUM" >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo=(sudo -n)
else
  echo "refract: the console's browser test needs Chromium: not root and no password-less sudo to run 'apt-get install -y chromium'; install it (or set REFRACT_CHROMIUM)" >&2
  exit 1
fi
echo "refract: installing Debian's chromium for the console's browser test (one time)" >&2
export DEBIAN_FRONTEND=noninteractive
log="$(mktemp "${TMPDIR:-/tmp}/refract-chromium.XXXXXX")"
if ! { "${sudo[@]}" apt-get install -y --no-install-recommends chromium >"$log" 2>&1 \
  || { "${sudo[@]}" apt-get update >>"$log" 2>&1 && "${sudo[@]}" apt-get install -y --no-install-recommends chromium >>"$log" 2>&1; }; }; then
  cat "$log" >&2
  echo "refract: 'apt-get install -y chromium' failed (see above); install Chromium or set REFRACT_CHROMIUM" >&2
  rm -f "$log"; exit 1
fi
rm -f "$log"
for candidate in /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -x "$candidate" ]; then echo "$candidate"; exit 0; fi
done
echo "refract: apt-get installed chromium but no /usr/bin/chromium appeared" >&2
exit 1
