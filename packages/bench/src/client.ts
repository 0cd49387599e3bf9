/**
 * The refund client bench, side by side in one run: the stand-in processor (`client/StandIn.ts`)
 * in its own process, then every contender (`client/Contender.ts`) in its own process, one after
 * the other, round after round (the order rotated each round, so no contender always runs first or
 * last on a machine whose load drifts). Per contender, the median across rounds of each figure;
 * reported as ratios to the floor (bare `node:http`) and to the stripe SDK, with the performance
 * goals checked against the same run.
 */
import { median } from "./Stats.ts"
import { spawn, type ChildProcess } from "node:child_process"
import { cpus } from "node:os"
import { relative } from "node:path"
import { fileURLToPath } from "node:url"
import { bundleRefract } from "./client/Bundle.ts"
import { contenders as allContenders, type ContenderName, type ContenderResult, type Phase } from "./client/Contender.ts"

export { allContenders as contenders, type ContenderName, type ContenderResult }

const standInScript = fileURLToPath(new URL("./client/StandIn.ts", import.meta.url))
const contenderScript = fileURLToPath(new URL("./client/Contender.ts", import.meta.url))

/** The two references every figure is compared with. */
export const floor: ContenderName = "node:http"
export const sdk: ContenderName = "stripe SDK"
/** The contenders the goals are about. */
export const refract: ReadonlyArray<ContenderName> = ["Refract Effect", "Refract Promise"]

export interface ClientBenchOptions {
  /** Rounds; every contender runs once per round. Default 3. */
  readonly rounds?: number
  /** Sequential calls measured at concurrency 1, per phase. Default 2000. */
  readonly sequential?: number
  /** Seconds measured at concurrency 64, per phase. Default 3. */
  readonly seconds?: number
  /** Warm-up calls (each a `get` and a `create`) before measuring. Default 2000: until then the JIT is still settling. */
  readonly warmup?: number
  /** The contenders, in the first round's order. Default: all of them. */
  readonly contenders?: ReadonlyArray<ContenderName>
  /** The command line shown in the report. Default: this process's. */
  readonly command?: string
  /** Called after each contender run (progress). */
  readonly onRun?: (run: ClientRun) => void
}

export interface Machine {
  readonly cpus: number
  readonly model: string
  readonly node: string
  readonly platform: string
}

export interface ClientRun {
  readonly round: number
  readonly result: ContenderResult
}

export type PhaseName = "get" | "create"

export interface Goal {
  readonly contender: ContenderName
  /** `undefined` for the goals about the whole process (RSS). */
  readonly phase: PhaseName | undefined
  readonly goal: string
  /** The measured value and its limit, in `unit`. */
  readonly value: number
  readonly limit: number
  readonly unit: "µs" | "×" | "MB"
  readonly pass: boolean
}

export interface ClientBenchReport {
  readonly date: string
  readonly machine: Machine
  readonly command: string
  readonly options: { readonly rounds: number; readonly sequential: number; readonly seconds: number; readonly warmup: number }
  /** Every contender run, in the order they ran. */
  readonly runs: ReadonlyArray<ClientRun>
  /** Per contender (first round's order), the median across rounds of each figure. */
  readonly medians: ReadonlyArray<ContenderResult>
  /** Empty when the floor or the stripe SDK was not measured. */
  readonly goals: ReadonlyArray<Goal>
}

export const machine = (): Machine => ({
  cpus: cpus().length,
  model: cpus()[0]?.model.trim() ?? "unknown",
  node: process.version,
  platform: `${process.platform} ${process.arch}`
})

const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`)

/** This process's command line, the script relative to the working directory. */
export const commandLine = (argv: ReadonlyArray<string> = process.argv): string => {
  const [, script, ...args] = argv
  const shown = script === undefined ? [] : [relative(process.cwd(), script) || script]
  return ["node", ...process.execArgv, ...shown, ...args].map(quote).join(" ")
}

// Children still running, killed when this process is interrupted or exits.
const live = new Set<ChildProcess>()
const killAll = () => {
  for (const child of live) child.kill("SIGTERM")
  live.clear()
}
const onSignal = (signal: NodeJS.Signals) => {
  killAll()
  process.stderr.write(`bench: ${signal}, children stopped\n`)
  process.exit(signal === "SIGINT" ? 130 : 143)
}

const node = (script: string, args: ReadonlyArray<string>): ChildProcess => {
  const child = spawn(process.execPath, [...process.execArgv, script, ...args], { stdio: ["ignore", "pipe", "pipe"] })
  live.add(child)
  child.once("exit", () => live.delete(child))
  return child
}

const collect = (child: ChildProcess) => {
  let stdout = ""
  let stderr = ""
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
  return { stdout: () => stdout, stderr: () => stderr }
}

const failure = (what: string, code: number | null, signal: NodeJS.Signals | null, stderr: string) =>
  new Error(`${what} failed (${signal !== null ? `signal ${signal}` : `exit ${code}`})${stderr.trim() === "" ? "" : `:\n${stderr.trimEnd()}`}`)

/** Starts the stand-in; resolves with it and its URL once it listens. */
const startStandIn = () =>
  new Promise<{ child: ChildProcess; url: string }>((resolve, reject) => {
    const child = node(standInScript, [])
    const output = collect(child)
    const onData = () => {
      const newline = output.stdout().indexOf("\n")
      if (newline < 0) return
      child.stdout!.off("data", onData)
      child.off("exit", onExit)
      try {
        const { url } = JSON.parse(output.stdout().slice(0, newline)) as { url: string }
        resolve({ child, url })
      } catch {
        child.kill()
        reject(new Error(`the stand-in printed ${JSON.stringify(output.stdout())}, not {"url": ...}`))
      }
    }
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => reject(failure("the stand-in", code, signal, output.stderr()))
    child.stdout!.on("data", onData)
    child.once("exit", onExit)
    child.once("error", reject)
  })

/** Runs one contender in its own process; its one JSON line. */
const runContender = (name: ContenderName, url: string, options: { sequential: number; seconds: number; warmup: number }) =>
  new Promise<ContenderResult>((resolve, reject) => {
    const child = node(contenderScript, [name, url, String(options.sequential), String(options.seconds), String(options.warmup)])
    const output = collect(child)
    child.once("error", reject)
    child.once("close", (code, signal) => {
      if (code !== 0) return reject(failure(`contender "${name}"`, code, signal, output.stderr()))
      const line = output.stdout().trim().split("\n").at(-1) ?? ""
      try {
        const result = JSON.parse(line) as ContenderResult
        if (result.name !== name) throw new Error("another contender")
        resolve(result)
      } catch {
        reject(new Error(`contender "${name}" printed ${JSON.stringify(output.stdout())}, not its JSON line${output.stderr().trim() === "" ? "" : `; stderr:\n${output.stderr().trimEnd()}`}`))
      }
    })
  })

const medianPhase = (phases: ReadonlyArray<Phase>): Phase => ({
  p50: median(phases.map((phase) => phase.p50)),
  p99: median(phases.map((phase) => phase.p99)),
  throughput: median(phases.map((phase) => phase.throughput))
})

const medianResult = (name: ContenderName, results: ReadonlyArray<ContenderResult>): ContenderResult => ({
  name,
  get: medianPhase(results.map((result) => result.get)),
  create: medianPhase(results.map((result) => result.create)),
  rssMb: median(results.map((result) => result.rssMb)),
  maxRssMb: median(results.map((result) => result.maxRssMb))
})

/** Per-call overhead over the floor at c=1, p50, µs. */
const overhead = (result: ContenderResult, base: ContenderResult, phase: PhaseName) => (result[phase].p50 - base[phase].p50) * 1000

export const goals = (medians: ReadonlyArray<ContenderResult>): ReadonlyArray<Goal> => {
  const byName = new Map(medians.map((result) => [result.name, result]))
  const base = byName.get(floor)
  const stripe = byName.get(sdk)
  if (base === undefined || stripe === undefined) return []
  const out: Array<Goal> = []
  for (const name of refract) {
    const result = byName.get(name)
    if (result === undefined) continue
    for (const phase of ["get", "create"] as const) {
      const own = overhead(result, base, phase)
      const sdkOverhead = overhead(stripe, base, phase)
      const toFloor = result[phase].throughput / base[phase].throughput
      const toSdk = result[phase].throughput / stripe[phase].throughput
      out.push(
        { contender: name, phase, goal: "overhead over the floor at c=1 (p50) ≤ 50 µs", value: own, limit: 50, unit: "µs", pass: own <= 50 },
        { contender: name, phase, goal: "overhead ≤ 1/3 of the stripe SDK's", value: own, limit: sdkOverhead / 3, unit: "µs", pass: own <= sdkOverhead / 3 },
        { contender: name, phase, goal: "c=64 throughput ≥ 0.90× the floor", value: toFloor, limit: 0.9, unit: "×", pass: toFloor >= 0.9 },
        { contender: name, phase, goal: "c=64 throughput ≥ 1.5× the stripe SDK", value: toSdk, limit: 1.5, unit: "×", pass: toSdk >= 1.5 }
      )
    }
    const limit = stripe.maxRssMb + 20
    out.push({ contender: name, phase: undefined, goal: "RSS (max) ≤ the stripe SDK's + 20 MB", value: result.maxRssMb, limit, unit: "MB", pass: result.maxRssMb <= limit })
  }
  return out
}

export const runClientBench = async (options: ClientBenchOptions = {}): Promise<ClientBenchReport> => {
  const settings = {
    rounds: options.rounds ?? 3,
    sequential: options.sequential ?? 2000,
    seconds: options.seconds ?? 3,
    warmup: options.warmup ?? 2000
  }
  const names = options.contenders ?? allContenders
  if (names.length === 0) throw new Error("no contenders")
  for (const name of names) if (!allContenders.includes(name)) throw new Error(`unknown contender "${name}" (${allContenders.join(", ")})`)
  const date = new Date().toISOString()
  process.on("SIGINT", onSignal)
  process.on("SIGTERM", onSignal)
  process.on("exit", killAll)
  const runs: Array<ClientRun> = []
  try {
    await bundleRefract()
    const { child: standIn, url } = await startStandIn()
    try {
      for (let round = 0; round < settings.rounds; round++) {
        const order = names.map((_, i) => names[(i + round) % names.length]!)
        for (const name of order) {
          const result = await runContender(name, url, settings)
          const run = { round: round + 1, result }
          runs.push(run)
          options.onRun?.(run)
        }
      }
    } finally {
      standIn.kill()
    }
  } finally {
    killAll()
    process.off("SIGINT", onSignal)
    process.off("SIGTERM", onSignal)
    process.off("exit", killAll)
  }
  const medians = names.map((name) => medianResult(name, runs.filter((run) => run.result.name === name).map((run) => run.result)))
  return { date, machine: machine(), command: options.command ?? commandLine(), options: settings, runs, medians, goals: goals(medians) }
}

// Formatting: µs integers, ms with 3 decimals, throughput integers, ratios 2 decimals, MB 1 decimal.
const ms = (value: number) => value.toFixed(3)
const us = (value: number) => {
  const rounded = Math.round(value)
  return rounded > 0 ? `+${rounded}` : rounded === 0 ? "0" : `−${-rounded}`
}
const ratio = (value: number) => `${value.toFixed(2)}×`
const integer = (value: number) => Math.round(value).toString()
const mb = (value: number) => value.toFixed(1)

const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>) => {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i]!.length)))
  // The first column (names) left-aligned, the figures right-aligned.
  const pad = (cell: string, i: number) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))
  const line = (row: ReadonlyArray<string>) => `| ${row.map(pad).join(" | ")} |`
  const rule = `|${widths.map((width, i) => (i === 0 ? "-".repeat(width + 2) : `${"-".repeat(width + 1)}:`)).join("|")}|`
  return [line(header), rule, ...rows.map(line)].join("\n")
}

const phaseTable = (report: ClientBenchReport, phase: PhaseName) => {
  const base = report.medians.find((result) => result.name === floor)
  const stripe = report.medians.find((result) => result.name === sdk)
  const rows = report.medians.map((result) => [
    result.name,
    ms(result[phase].p50),
    ms(result[phase].p99),
    base === undefined ? "–" : us(overhead(result, base, phase)),
    integer(result[phase].throughput),
    base === undefined ? "–" : ratio(result[phase].throughput / base[phase].throughput),
    stripe === undefined ? "–" : ratio(result[phase].throughput / stripe[phase].throughput),
    `${mb(result.rssMb)} (${mb(result.maxRssMb)})`
  ])
  return table(
    ["contender", "c=1 p50 ms", "c=1 p99 ms", "overhead p50 µs", "c=64 /s", "× floor", "× stripe SDK", "RSS MB (max)"],
    rows
  )
}

const goalValue = (value: number, unit: Goal["unit"]) => (unit === "µs" ? `${Math.round(value)} µs` : unit === "×" ? ratio(value) : `${mb(value)} MB`)

export const formatClientReport = (report: ClientBenchReport): string => {
  const { options, machine: m } = report
  const lines = [
    "# Refund client: Refract side by side with node:http, fetch and the stripe SDK",
    "",
    `date:    ${report.date}`,
    `machine: ${m.cpus} CPUs, ${m.model}, Node ${m.node}, ${m.platform}`,
    `command: ${report.command}`,
    `method:  a stand-in Stripe server and each contender in its own process; ${options.rounds} round(s), all contenders one after the other in each (order rotated per round);`,
    `         per phase ${options.sequential} sequential calls (c=1 latency), then ${options.seconds} s at c=64 (throughput), after ${options.warmup} warm-up calls;`,
    `         figures are medians across rounds; the floor is bare node:http (overhead = p50 − the floor's p50; × = throughput ratio)`,
    "",
    "## Refund get (GET /v1/refunds/:id)",
    "",
    phaseTable(report, "get"),
    "",
    "## Refund create (POST /v1/refunds)",
    "",
    phaseTable(report, "create"),
    "",
    "## Goals"
  ]
  if (report.goals.length === 0) {
    lines.push("", `not checked: they need both "${floor}" and "${sdk}" in the run`)
  } else {
    const width = Math.max(...report.goals.map((goal) => `${goal.contender} ${goal.phase ?? ""}`.length))
    lines.push("")
    for (const goal of report.goals) {
      const who = `${goal.contender} ${goal.phase ?? ""}`.padEnd(width)
      const op = goal.unit === "×" ? "≥" : "≤"
      lines.push(`${goal.pass ? "PASS" : "FAIL"}  ${who}  ${goal.goal}: ${goalValue(goal.value, goal.unit)} ${op} ${goalValue(goal.limit, goal.unit)}`)
    }
    const passed = report.goals.filter((goal) => goal.pass).length
    lines.push("", `${passed}/${report.goals.length} goals pass (this run, this machine)`)
  }
  return lines.join("\n")
}
