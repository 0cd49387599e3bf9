#!/usr/bin/env node
/**
 * `refract`: in the repository, `node packages/cli/src/bin.ts …` (Node 24 strips the types);
 * published, `dist/bin.js`.
 *
 * V8's compile cache (in the OS temp directory) roughly halves start-up after the first run; it is
 * enabled before anything else is loaded, hence the dynamic import.
 */
import { enableCompileCache } from "node:module"

enableCompileCache()
const { main } = await import("./main.ts")
main(process.argv.slice(2))
