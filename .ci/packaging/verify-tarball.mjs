// Checks one packed tarball (already extracted to <dir>/package) the way npm will see it:
// no workspace: ranges, exports and bin point into dist, dist is complete (js, d.ts, maps for every
// source module), and LICENSE, README.md and the metadata npm shows are there.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative } from "node:path"

const [dir, name] = process.argv.slice(2)
const root = join(dir, "package")
const problems = []
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))
const text = JSON.stringify(pkg)
if (text.includes("workspace:")) problems.push("package.json still has workspace: ranges")
if (pkg.publishConfig?.exports) problems.push("publishConfig.exports was not applied (pnpm pack should move it to exports)")
for (const [key, target] of Object.entries(pkg.exports ?? {})) {
  if (target === null || key === "./package.json") continue
  const t = typeof target === "string" ? target : target.default
  if (!String(t).startsWith("./dist/")) problems.push(`exports["${key}"] points to ${t}, not ./dist`)
  if (typeof target === "object" && !String(target.types).startsWith("./dist/")) problems.push(`exports["${key}"].types is not in ./dist`)
}
for (const [bin, target] of Object.entries(pkg.bin ?? {})) {
  const file = join(root, target)
  if (!existsSync(file)) problems.push(`bin ${bin} → ${target} is not in the tarball`)
  else if (!readFileSync(file, "utf8").startsWith("#!/usr/bin/env node")) problems.push(`bin ${bin} has no node shebang`)
}
for (const f of ["LICENSE", "README.md"]) if (!existsSync(join(root, f))) problems.push(`${f} is missing`)
if (existsSync(join(root, "LICENSE")) && !/MIT License/.test(readFileSync(join(root, "LICENSE"), "utf8"))) problems.push("LICENSE is not the MIT license")
if (pkg.license !== "MIT") problems.push(`license is ${pkg.license}`)
if (!pkg.repository?.directory || !pkg.homepage || !pkg.bugs?.url) problems.push("repository.directory, homepage or bugs is missing")
if (!pkg.engines?.node) problems.push("engines.node is missing")
for (const [dep, range] of Object.entries({ ...pkg.peerDependencies, ...pkg.dependencies })) {
  if ((dep === "effect" || dep.startsWith("@effect/")) && /^\d/.test(range)) problems.push(`${dep} is pinned exactly (${range}); use a ^ range`)
}
const walk = (d) => readdirSync(d).flatMap((f) => statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)])
const sources = existsSync(join(root, "src")) ? walk(join(root, "src")).filter((f) => f.endsWith(".ts")) : []
if (sources.length === 0) problems.push("no src/*.ts in the tarball (the declaration maps point there)")
for (const src of sources) {
  const base = relative(join(root, "src"), src).replace(/\.ts$/, "")
  for (const ext of [".js", ".js.map", ".d.ts", ".d.ts.map"]) {
    if (!existsSync(join(root, "dist", base + ext))) problems.push(`dist/${base}${ext} is missing`)
  }
}
const stray = walk(root).map((f) => relative(root, f)).filter((f) => /(^|\/)(test|node_modules)\/|tsbuildinfo|\.test\./.test(f))
if (stray.length > 0) problems.push(`unexpected files: ${stray.slice(0, 5).join(", ")}`)
if (problems.length > 0) {
  console.error(`packaging: ${name}: ${problems.length} problem(s) in the tarball:\n  - ${problems.slice(0, 20).join("\n  - ")}`)
  process.exit(1)
}
console.log(`  ok  ${name}@${pkg.version}: ${sources.length} modules, exports → dist, engines ${pkg.engines.node}`)
