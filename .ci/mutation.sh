#!/usr/bin/env bash
# Runs Stryker in every package that has a stryker.config.json (or in the ones given), one at a
# time, and prints each package's score table. Fails when a package's score is under its break
# threshold (90%). Stryker mutates files in place and restores them when it ends.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Node 24 + pnpm on PATH, so the script also works when called directly (not only via `.ci/task`).
. .ci/toolchain.sh
packages=("$@")
if [ ${#packages[@]} -eq 0 ]; then
  mapfile -t packages < <(ls -d packages/*/stryker.config.json connectors/*/stryker.config.json 2>/dev/null | xargs -n1 dirname)
fi
status=0
for dir in "${packages[@]}"; do
  echo "== mutation testing: $dir" >&2
  (cd "$dir" && pnpm exec stryker run) || status=1
  if ! git diff --quiet -- "$dir/src"; then
    echo "refract: $dir/src differs from git after Stryker; restore it with git checkout" >&2
    status=1
  fi
done
exit $status
