#!/usr/bin/env bash
# The packaging test (`npm run test:packaging`; `.ci/run` runs it after `npm test`).
#
# Builds every package, packs every published one with `pnpm pack` (workspace: ranges become real
# versions, publishConfig.exports replaces the source exports), checks the tarballs, then installs them
# into a scratch npm application with plain `npm install` (no --force, no --legacy-peer-deps) next to
# `effect` and `@effect/platform-node` from the registry, exactly as the README tells users to.
# `npm ls` must exit 0, a second `npm install` must work, the app's TypeScript must typecheck under
# `module: nodenext`, and the app must run on every Node it tests:
#   - Node 20.19.0 (from the npm registry): the lowest that @refract/core, the connectors and
#     @refract/store-pg declare (engines >=20.19.0);
#   - the machine's own Node (Node 20 on CI);
#   - Node 22.19.0 (from the npm registry): the lowest that @refract/node, @refract/testkit and
#     @refract/cli declare, because @effect/platform-node 4.1 (and its undici 8) requires it;
#   - the toolchain's Node 24.
# On each: the Promise facade, an Effect program (FetchHttpClient; plus NodeHttp from @refract/node
# where undici runs), and the `refract` binary against the Stripe emulator on loopback.
#
# REFRACT_PACKAGING_NODES="20.19.0 system 22.19.0 toolchain" picks the Nodes; REFRACT_PACKAGING_KEEP=1 keeps the
# scratch directory. Every failure ends with one line starting "packaging: FAILED".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"
system_node="$(command -v node || true)"
. .ci/toolchain.sh
toolchain_node="$(command -v node)"
if [ -n "$system_node" ] && [ "$("$system_node" -v)" = "$("$toolchain_node" -v)" ]; then
  echo "packaging: WARNING: the machine's Node is the toolchain's ($("$system_node" -v)): run from a shell without" \
    ".toolchain on PATH to test the lowest Node (20) as CI does" >&2
fi

CORE_MIN_NODE=20.19.0
PLATFORM_MIN_NODE=22.19.0
TYPESCRIPT_VERSION=7.0.2   # the workspace's own compiler
TYPES_NODE_VERSION=24.19.2
nodes="${REFRACT_PACKAGING_NODES:-$CORE_MIN_NODE system $PLATFORM_MIN_NODE toolchain}"

started=$SECONDS
step() { printf 'packaging: [%3ss] %s\n' "$((SECONDS - started))" "$*"; }
fail() { printf 'packaging: FAILED: %s\n' "$*" >&2; exit 1; }
trap 'status=$?; if [ $status -ne 0 ]; then printf "packaging: FAILED (exit %s) after %ss; see the output above\n" "$status" "$((SECONDS - started))" >&2; fi' EXIT

work="$(mktemp -d "${TMPDIR:-/tmp}/refract-packaging.XXXXXX")"
if [ "${REFRACT_PACKAGING_KEEP:-}" != 1 ]; then
  trap 'status=$?; rm -rf "$work"; if [ $status -ne 0 ]; then printf "packaging: FAILED (exit %s) after %ss; see the output above\n" "$status" "$((SECONDS - started))" >&2; fi' EXIT
else
  step "keeping the scratch directory $work"
fi

# Runs a command quietly; on failure prints its output and the reason.
quiet() {
  local what="$1"; shift
  local log="$work/log.txt"
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    fail "$what"
  fi
}

step "install and build the workspace"
quiet "pnpm install" pnpm install --frozen-lockfile --prefer-offline --reporter=silent
quiet "pnpm turbo run build" pnpm turbo run build --output-logs=errors-only

step "pack every published package"
mkdir -p "$work/packs" "$work/unpacked"
published=()
for dir in packages/* connectors/*; do
  [ -f "$dir/package.json" ] || continue
  if [ "$(node -p "require('./$dir/package.json').private === true")" = true ]; then continue; fi
  name="$(node -p "require('./$dir/package.json').name")"
  published+=("$name")
  (cd "$dir" && quiet "pnpm pack $name" pnpm pack --pack-destination "$work/packs")
  tgz="$(ls "$work/packs"/"$(echo "${name#@}" | tr / -)"-*.tgz)"
  mkdir -p "$work/unpacked/$name"
  tar -xzf "$tgz" -C "$work/unpacked/$name"
  node .ci/packaging/verify-tarball.mjs "$work/unpacked/$name" "$name" || fail "the $name tarball is incomplete or wrong"
done

# Node binaries from the registry's node-<os>-<arch> packages, cached in .toolchain/.
provision() {
  local version="$1" dir="$root/.toolchain/node-$1"
  local bin="$dir/node_modules/node-$(node -p process.platform)-$(node -p process.arch)/bin/node"
  if [ ! -x "$bin" ]; then
    quiet "install node@$version" npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund \
      --ignore-scripts --prefer-offline --loglevel=error "node-$(node -p process.platform)-$(node -p process.arch)@$version" >&2
  fi
  echo "$bin"
}
step "provision Node $CORE_MIN_NODE and $PLATFORM_MIN_NODE (the lowest our packages declare) from the npm registry"
core_min_node="$(provision "$CORE_MIN_NODE")"
min_node="$(provision "$PLATFORM_MIN_NODE")"

# The scratch application: a user's project, outside the workspace, with its own npm and the registry.
app="$work/app"
mkdir -p "$app"
cp -R .ci/packaging/src .ci/packaging/tsconfig.json "$app/"
cat >"$app/package.json" <<'EOF'
{ "name": "refract-packaging-app", "version": "1.0.0", "private": true, "type": "module" }
EOF
printf 'registry=https://registry.npmjs.org/\nfund=false\naudit=false\nupdate-notifier=false\n' >"$app/.npmrc"

# npm itself runs on the machine's Node when there is one (a Node 20 user's npm).
install_path="$PATH"
if [ -n "$system_node" ]; then install_path="$(dirname "$system_node"):$PATH"; fi
app_npm() { (cd "$app" && PATH="$install_path" npm "$@"); }

step "npm install the ${#published[@]} tarballs with effect and @effect/platform-node (plain npm, $(PATH="$install_path" node -v))"
quiet "npm install of the tarballs with effect and @effect/platform-node (ERESOLVE means a peer range is wrong)" \
  app_npm install --prefer-offline --loglevel=error "$work"/packs/*.tgz effect @effect/platform-node
app_npm ls --all >"$work/npm-ls.txt" 2>&1 || { cat "$work/npm-ls.txt" >&2; fail "npm ls exits non-zero: the installed tree is invalid"; }
step "npm ls: exit 0 ($(cd "$app" && node -p "const l=require('./node_modules/.package-lock.json');Object.keys(l.packages).length") packages; effect $(cd "$app" && node -p "require('./node_modules/effect/package.json').version"), @effect/platform-node $(cd "$app" && node -p "require('./node_modules/@effect/platform-node/package.json').version"))"

step "a later npm install (typescript@$TYPESCRIPT_VERSION, @types/node) still resolves"
quiet "a second npm install failed: the tree from the first one does not resolve again" \
  app_npm install --save-dev --prefer-offline --loglevel=error "typescript@$TYPESCRIPT_VERSION" "@types/node@$TYPES_NODE_VERSION"
app_npm ls >"$work/npm-ls.txt" 2>&1 || { cat "$work/npm-ls.txt" >&2; fail "npm ls exits non-zero after the second install"; }

# skipLibCheck is off so that errors inside @refract's .d.ts files surface; errors inside other packages'
# declarations (effect's d.ts wants DOM's Transferable, for example) are not ours to fix and are ignored.
step "tsc $TYPESCRIPT_VERSION (module nodenext, skipLibCheck false) on the app's TypeScript"
(cd "$app" && PATH="$install_path" ./node_modules/.bin/tsc -p tsconfig.json >"$work/tsc.txt" 2>&1) || true
ours="$(grep -E 'error TS' "$work/tsc.txt" | grep -vE '^node_modules/(effect|@effect|@types|undici|ws|pg)[/-]' || true)"
if [ -n "$ours" ]; then
  cat "$work/tsc.txt" >&2
  fail "the app does not typecheck against the tarballs' types (errors above in src/ or node_modules/@refract/)"
fi
[ -f "$app/dist/facade.js" ] && [ -f "$app/dist/effect.js" ] && [ -f "$app/dist/cli.js" ] || fail "tsc emitted no JavaScript"
ignored="$(grep -c 'error TS' "$work/tsc.txt" || true)"
echo "  ok  no type errors in src/ or @refract's declarations (${ignored} in other packages' declarations ignored)"

run_on() {
  local label="$1" node_bin="$2"
  local version t0=$SECONDS
  version="$("$node_bin" -v)"
  step "run on Node $version ($label)"
  local env_path
  env_path="$(dirname "$node_bin"):$PATH"
  (cd "$app" && PATH="$env_path" npx --no -- refract --help >"$work/help.txt" 2>&1) || { cat "$work/help.txt" >&2; fail "npx refract --help on Node $version"; }
  grep -q "SUBCOMMANDS" "$work/help.txt" || { cat "$work/help.txt" >&2; fail "npx refract --help printed no help on Node $version"; }
  echo "  ok  npx refract --help"
  (cd "$app" && PATH="$env_path" "$node_bin" dist/facade.js) || fail "the Promise facade on Node $version"
  (cd "$app" && PATH="$env_path" "$node_bin" dist/effect.js) || fail "the Effect program (FetchHttpClient) on Node $version"
  if "$node_bin" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=19)?0:1)'; then
    (cd "$app" && PATH="$env_path" REFRACT_HTTP_CLIENT=undici "$node_bin" dist/effect.js) || fail "the Effect program (NodeHttp) on Node $version"
  fi
  (cd "$app" && PATH="$env_path" "$node_bin" dist/cli.js) || fail "the refract CLI on Node $version"
  timings+=("Node $version ($label): $((SECONDS - t0))s")
}

timings=()
for n in $nodes; do
  case "$n" in
    system)
      if [ -z "$system_node" ]; then step "no Node on the machine besides the toolchain's: skipping 'system'"; continue; fi
      run_on "the machine's" "$system_node" ;;
    toolchain) run_on "the toolchain's" "$toolchain_node" ;;
    "$CORE_MIN_NODE")
      # testkit and the CLI need Node >= 22.19 (@effect/platform-node): the emulator runs on the
      # toolchain's Node in its own process; core and the connector run here.
      step "run on Node $("$core_min_node" -v) (lowest for core/connectors/store-pg; the emulator on $("$toolchain_node" -v))"
      t0=$SECONDS
      (cd "$app" && REFRACT_EMULATOR_NODE="$toolchain_node" "$core_min_node" dist/core-remote.js) || fail "core and stripe on Node $CORE_MIN_NODE"
      timings+=("Node $CORE_MIN_NODE (core/connectors): $((SECONDS - t0))s") ;;
    "$PLATFORM_MIN_NODE") run_on "lowest for node/testkit/cli" "$min_node" ;;
    *) fail "unknown entry in REFRACT_PACKAGING_NODES: $n ($CORE_MIN_NODE | system | $PLATFORM_MIN_NODE | toolchain)" ;;
  esac
done

step "passed: ${#published[@]} packages packed and installed; $(IFS=';'; echo "${timings[*]}")"
