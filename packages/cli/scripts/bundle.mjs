#!/usr/bin/env node
// Bundles `src/bin.ts` (and, through it, the workspace packages and effect) into `dist/refract.js`
// plus lazily loaded chunks in `dist/chunks/`: the `refract` bin. One tree-shaken entry starts in
// a fraction of the time Node needs to strip and load the TypeScript sources module by module;
// every command, connector, emulator and server is a chunk loaded only when used.
//   node scripts/bundle.mjs            (part of `pnpm build`; `npm run refract` runs it when stale)
import { readFileSync, rmSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { build } from "rolldown"

const root = fileURLToPath(new URL("..", import.meta.url))
const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))
const started = performance.now()
rmSync(new URL("../dist/chunks", import.meta.url), { recursive: true, force: true })
await build({
  cwd: root,
  input: { refract: "src/bin.ts" },
  platform: "node",
  external: [/^node:/],
  transform: { define: { __REFRACT_CLI_VERSION__: JSON.stringify(version) } },
  logLevel: "warn",
  output: {
    dir: "dist",
    format: "esm",
    entryFileNames: "[name].js",
    chunkFileNames: "chunks/[name]-[hash].js",
    minify: true,
    sourcemap: false
  }
})
process.stderr.write(`refract: bundled dist/refract.js (${version}) in ${Math.round(performance.now() - started)} ms\n`)
