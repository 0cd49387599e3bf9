/**
 * Writes every code block of the documentation as a module into `generated/` (inside this package,
 * so `@refract/*`, `effect` and the other devDependencies resolve as in a user's project) and
 * typechecks them all with one `tsc --noEmit`. Compiler messages are mapped back to `file.md:LINE`.
 */
import { execFile } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join, relative, resolve, sep } from "node:path"
import { fileURLToPath } from "node:url"
import { modules as modulesOf } from "./extract.ts"
import type { Module, Skipped } from "./extract.ts"
import { knownFailures as defaultKnownFailures } from "./known-failures.ts"
import type { KnownFailure } from "./known-failures.ts"

export const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..")
export const repositoryRoot = resolve(packageDir, "../..")

/** README.md, docs/**\/*.md and the README.md of every package and connector. */
export const documentationFiles = (root: string = repositoryRoot): Array<string> => {
  const found: Array<string> = []
  if (existsSync(join(root, "README.md"))) found.push("README.md")
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true }).toSorted((a, b) => a.name.localeCompare(b.name))) {
      const path = `${dir}/${entry.name}`
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith(".md")) found.push(path)
    }
  }
  if (existsSync(join(root, "docs"))) walk("docs")
  for (const group of ["packages", "connectors"]) {
    if (!existsSync(join(root, group))) continue
    for (const entry of readdirSync(join(root, group), { withFileTypes: true }).toSorted((a, b) => a.name.localeCompare(b.name))) {
      if (entry.isDirectory() && existsSync(join(root, group, entry.name, "README.md"))) found.push(`${group}/${entry.name}/README.md`)
    }
  }
  return found
}

export interface Failure {
  /** `docs/x.md:LINE:COLUMN`, or the compiler's own location when it is not in a block. */
  readonly location: string
  readonly message: string
}

export interface Report {
  /** Where the modules were written. */
  readonly outDir: string
  /** Compiled code blocks per file (continuations included), skips excluded. */
  readonly checked: ReadonlyArray<{ readonly file: string; readonly blocks: number }>
  readonly skipped: ReadonlyArray<Skipped>
  readonly modules: ReadonlyArray<Module>
  readonly failures: ReadonlyArray<Failure>
  /** Failures inside the blocks of the known-failures list. */
  readonly known: ReadonlyArray<Failure>
  /** Entries of the known-failures list whose block compiles now, or is gone. */
  readonly staleKnownFailures: ReadonlyArray<{ readonly entry: KnownFailure; readonly problem: string }>
}

export interface Options {
  readonly root?: string
  readonly files?: ReadonlyArray<string>
  /** Where the modules and their tsconfig.json are written; emptied first. */
  readonly outDir?: string
  readonly knownFailures?: ReadonlyArray<KnownFailure>
}

const compilerOptions = {
  noEmit: true,
  composite: false,
  incremental: false,
  declaration: false,
  declarationMap: false,
  sourceMap: false,
  // An example may declare what it does not use (`const Live = ...`); everything else stays as strict
  // as the packages themselves (strict, exactOptionalPropertyTypes, NodeNext, verbatimModuleSyntax).
  noUnusedLocals: false,
  noUnusedParameters: false,
  allowJs: true,
  checkJs: true,
  rootDir: "."
}

export const generate = (options: Options = {}): Pick<Report, "checked" | "skipped" | "modules" | "outDir"> => {
  const root = options.root ?? repositoryRoot
  const outDir = options.outDir ?? join(packageDir, "generated")
  const files = options.files ?? documentationFiles(root)
  const all: Array<Module> = []
  const skipped: Array<Skipped> = []
  const checked: Array<{ file: string; blocks: number }> = []
  for (const file of files) {
    const result = modulesOf(file, readFileSync(join(root, file), "utf8"))
    all.push(...result.modules)
    skipped.push(...result.skipped)
    checked.push({ file, blocks: result.modules.reduce((n, m) => n + m.blocks.length, 0) })
  }
  rmSync(outDir, { recursive: true, force: true })
  mkdirSync(outDir, { recursive: true })
  for (const module of all) {
    // `export {}` makes every block a module of its own even when it imports nothing.
    writeFileSync(join(outDir, fileName(module)), [...module.lines, "export {}", ""].join("\n"))
  }
  writeFileSync(join(outDir, "tsconfig.json"), JSON.stringify({
    extends: relative(outDir, join(root, "tsconfig.base.json")).split(sep).join("/"),
    include: ["*.ts", "*.mjs"],
    compilerOptions
  }, null, 2) + "\n")
  return { checked, skipped, modules: all, outDir }
}

export const fileName = (module: Module): string => `${module.name}.${module.language === "ts" ? "ts" : "mjs"}`

const tscPath = (): string => {
  const require = createRequire(join(packageDir, "package.json"))
  const manifest = require.resolve("typescript/package.json")
  const bin = (JSON.parse(readFileSync(manifest, "utf8")) as { bin: { tsc: string } }).bin.tsc
  return join(dirname(manifest), bin)
}

const runTsc = (project: string): Promise<string> =>
  new Promise((resolvePromise, reject) => {
    execFile(process.execPath, [tscPath(), "-p", project, "--pretty", "false"], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      // tsc exits 1 or 2 when it reports errors; anything else (not found, killed) is a failure of its own.
      if (error !== null && (typeof error.code !== "number" || error.code > 2)) reject(new Error(`tsc failed: ${error.message}\n${stderr}`))
      else resolvePromise(stdout + stderr)
    })
  })

const strip = ({ location, message }: Failure): Failure => ({ location, message })

const diagnostic = /^(.+?)\((\d+),(\d+)\): (error|warning) (TS\d+: .*)$/

/** Generates the modules and compiles them: one `tsc` for all. */
export const check = async (options: Options = {}): Promise<Report> => {
  const generated = generate(options)
  const byName = new Map(generated.modules.map((m) => [fileName(m), m]))
  const output = await runTsc(join(generated.outDir, "tsconfig.json"))
  const known = options.knownFailures ?? defaultKnownFailures
  const knownOf = (module: Module | undefined) =>
    module === undefined ? undefined : known.find((k) => k.file === module.blocks[0]!.file && (module.lines[0] ?? "").startsWith(k.startsWith))
  const failures: Array<{ location: string; message: string; module: Module | undefined }> = []
  for (const line of output.split(/\r?\n/)) {
    if (line.trim() === "") continue
    const match = diagnostic.exec(line)
    if (match === null) {
      // A continuation line of the previous message (indented), or a message without a location.
      const last = failures.at(-1)
      if (last !== undefined && /^\s/.test(line)) last.message += `\n${line}`
      else failures.push({ location: "tsc", message: line, module: undefined })
      continue
    }
    const [, path, row, column, , message] = match
    const module = byName.get(path!.split(/[\\/]/).at(-1)!)
    const source = module?.sources[Number(row) - 1]
    const location = source !== undefined
      ? `${source.file}:${source.line}:${column}`
      : `${relative(options.root ?? repositoryRoot, resolve(generated.outDir, path!))}:${row}:${column}`
    failures.push({ location, message: message!, module })
  }
  const staleKnownFailures = known.flatMap((entry) => {
    const module = generated.modules.find((m) => knownOf(m) === entry)
    if (module === undefined) return [{ entry, problem: "no such block any more" }]
    if (!failures.some((f) => f.module === module)) return [{ entry, problem: "it compiles now: remove it from src/known-failures.ts" }]
    return []
  })
  return {
    outDir: generated.outDir,
    checked: generated.checked,
    skipped: generated.skipped,
    modules: generated.modules,
    failures: failures.filter((f) => knownOf(f.module) === undefined).map(strip),
    known: failures.filter((f) => knownOf(f.module) !== undefined).map(strip),
    staleKnownFailures
  }
}

export const format = (failures: ReadonlyArray<Failure>): string =>
  failures.map((f) => `${f.location}: ${f.message}`).join("\n")
