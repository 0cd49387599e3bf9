#!/usr/bin/env node
/**
 * `refract`. Built: `dist/refract.js` (`npm run build`; the bundle `npm run refract` and the
 * published bin run). In the repository it also runs from source: `node packages/cli/src/bin.ts …`
 * (Node 24 strips the types; slower to start).
 *
 * V8's compile cache (in the OS temp directory) roughly halves start-up after the first run; it is
 * enabled before anything else is loaded, hence the dynamic import. Older Node versions have no
 * `enableCompileCache`: it is only called when present.
 */
import * as NodeModule from "node:module"

const cache = (NodeModule as { readonly enableCompileCache?: (() => unknown) | undefined }).enableCompileCache
if (typeof cache === "function") cache()
const { main } = await import("./main.ts")
main(process.argv.slice(2))
