#!/usr/bin/env node
/**
 * `refract`. Built: `dist/refract.js` (`npm run build`; the bundle `npm run refract` and the
 * published bin run). In the repository it also runs from source: `node packages/cli/src/bin.ts …`
 * (Node 24 strips the types; slower to start).
 *
 * V8's compile cache (in the OS temp directory) roughly halves start-up after the first run; it is
 * enabled before anything else is loaded, hence the dynamic import. `module.enableCompileCache`
 * exists from Node 22.1: it is looked up on the namespace (a named import of a missing export is a
 * link error that would stop the CLI before it starts on an older Node).
 */
import * as nodeModule from "node:module"

const enableCompileCache = (nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache
enableCompileCache?.()
const { main } = await import("./main.ts")
main(process.argv.slice(2))
