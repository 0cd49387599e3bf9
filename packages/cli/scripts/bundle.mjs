#!/usr/bin/env node
// Bundles `src/bin.ts` (and, through it, the workspace packages and effect) into `dist/refract.js`
// plus lazily loaded chunks in `dist/chunks/`: the `refract` bin. One tree-shaken entry starts in
// a fraction of the time Node needs to strip and load the TypeScript sources module by module;
// every command, connector, emulator and server is a chunk loaded only when used.
//   node scripts/bundle.mjs            (part of `pnpm build`; `npm run refract` runs it when stale)
//   node scripts/bundle.mjs --outdir D (elsewhere; the bundle test uses it)
import { readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { build } from "rolldown"

const root = fileURLToPath(new URL("..", import.meta.url))
const at = process.argv.indexOf("--outdir")
const outdir = at >= 0 ? process.argv[at + 1] : join(root, "dist")
const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))
const started = performance.now()
rmSync(join(outdir, "chunks"), { recursive: true, force: true })
await build({
  cwd: root,
  input: { refract: "src/bin.ts" },
  platform: "node",
  external: [/^node:/],
  transform: { define: { __REFRACT_CLI_VERSION__: JSON.stringify(version) } },
  logLevel: "warn",
  output: {
    dir: outdir,
    format: "esm",
    entryFileNames: "[name].js",
    chunkFileNames: "chunks/[name]-[hash].js",
    minify: true,
    sourcemap: false
  }
})
process.stderr.write(`refract: bundled ${join(outdir, "refract.js")} (${version}) in ${Math.round(performance.now() - started)} ms\n`)
