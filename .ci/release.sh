#!/usr/bin/env bash
# The release flow with Changesets (docs/contributing/releasing.md):
#   version  (`npm run release:version`)  applies the pending .changeset/*.md: bumps versions, writes
#            CHANGELOG.md files, then refreshes pnpm-lock.yaml. Commit the result.
#   dry-run  (`npm run release:dry-run`)  builds every package and packs every published one into
#            .release/ (pnpm pack: workspace: ranges become versions, publishConfig.exports applies),
#            and shows the pending changesets (`changeset status`). Publishes nothing.
#   publish  (`npm run release`)          runs the packaging test, then `changeset publish`
#            (pnpm publish of every package whose version is not on the registry yet, and git tags).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. .ci/toolchain.sh
mode="${1:-}"

pnpm install --frozen-lockfile --prefer-offline --reporter=silent >&2 || [ "$mode" = version ]

case "$mode" in
  version)
    pnpm exec changeset version
    pnpm install --lockfile-only --reporter=silent
    echo "release: versions bumped and CHANGELOG.md files written; review, commit, then npm run release:dry-run" >&2
    ;;
  dry-run)
    pnpm turbo run build --output-logs=errors-only
    rm -rf .release && mkdir -p .release
    for dir in packages/* connectors/*; do
      [ -f "$dir/package.json" ] || continue
      [ "$(node -p "require('./$dir/package.json').private === true")" = true ] && continue
      (cd "$dir" && pnpm pack --pack-destination "../../.release" >/dev/null)
    done
    echo "release: tarballs in .release/:" >&2
    ls -1 .release >&2
    pnpm exec changeset status || true
    ;;
  publish)
    bash .ci/packaging.sh
    pnpm turbo run build --output-logs=errors-only
    pnpm exec changeset publish
    echo "release: published; push the tags: git push --follow-tags" >&2
    ;;
  *)
    echo "usage: bash .ci/release.sh version | dry-run | publish" >&2
    exit 2
    ;;
esac
