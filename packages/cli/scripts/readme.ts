// Rewrites the generated connector tables in README.md from the installed connectors:
//   node scripts/readme.ts
import { readFileSync, writeFileSync } from "node:fs"
import { withTables } from "../src/readme.ts"

const path = new URL("../README.md", import.meta.url)
writeFileSync(path, withTables(readFileSync(path, "utf8")))
