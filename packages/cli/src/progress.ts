/**
 * What the CLI shows on stderr while it waits, and what `--log-level debug` adds, without any HTTP
 * code of its own: it listens to Effect's tracer and logger, which core's pipeline already feeds
 * (`pipeline/Executor.ts`: a span per operation and per attempt, effect/http's client span per
 * request, a debug log per retry).
 *
 * - progress (default on, off with `--json` unless `--log-level` is given): a request still
 *   unanswered after 2 s ("still waiting"), every retry with its reason and delay, each poll of
 *   `refunds wait`;
 * - `--log-level debug`: also every request and answer: method, URL path, status, duration and the
 *   idempotency key. Headers are never printed except the idempotency key, and every line is
 *   scrubbed of the secrets that were read (`secrets.ts`).
 *
 * Lines are concise, one per event, no spinners: they read the same in a terminal and in a CI log
 * (where "still waiting" comes less often).
 */
import { Effect, Logger, References, Tracer } from "effect"
import type { LogLevel } from "effect"
import { HttpClient } from "effect/http"
import { scrub } from "./secrets.ts"

export interface Settings {
  /** Progress lines (waiting, retries, polls). */
  readonly progress: boolean
  /** Every request and answer, and debug logs. */
  readonly debug: boolean
}

let settings: Settings = { progress: true, debug: false }
let requestsStarted = 0

/** How many processor requests have been started (sent, or about to be): a create may have reached the processor. */
export const requestsSent = (): number => requestsStarted

const write = (line: string): void => {
  process.stderr.write(`${scrub(line)}\n`)
}

/** A progress line on stderr (`refract: …`), unless progress is off. */
export const progress = (line: string): void => {
  if (settings.progress) write(`refract: ${line}`)
}

export const progressEffect = (line: string): Effect.Effect<void> => Effect.sync(() => progress(line))

const seconds = (millis: number): string => (millis < 1000 ? `${Math.round(millis)} ms` : `${(millis / 1000).toFixed(1)} s`)

const levelOrder: Record<string, number> = { All: 0, Trace: 1, Debug: 2, Info: 3, Warn: 4, Error: 5, Fatal: 6, None: 7 }

/** `--log-level debug` / `--log-level=debug` from the raw arguments (effect/cli applies it too, inside the command). */
export const logLevelFromArgs = (args: ReadonlyArray<string>): LogLevel.LogLevel | undefined => {
  let value: string | undefined
  args.forEach((a, i) => {
    if (a === "--log-level") value = args[i + 1]
    else if (a.startsWith("--log-level=")) value = a.slice("--log-level=".length)
  })
  if (value === undefined) return undefined
  const v = value.toLowerCase()
  const map: Record<string, LogLevel.LogLevel> = {
    all: "All",
    trace: "Trace",
    debug: "Debug",
    info: "Info",
    warn: "Warn",
    warning: "Warn",
    error: "Error",
    fatal: "Fatal",
    none: "None"
  }
  return map[v]
}

export const settingsFor = (args: ReadonlyArray<string>): Settings => {
  const level = logLevelFromArgs(args)
  const json = args.includes("--json")
  const quiet = level !== undefined && levelOrder[level]! > levelOrder["Info"]!
  return {
    // With --json, stderr stays quiet unless a log level asks for more.
    progress: !quiet && (!json || level !== undefined),
    debug: level !== undefined && levelOrder[level]! <= levelOrder["Debug"]!
  }
}

const describeMessage = (message: unknown): { readonly text: string; readonly fields: Record<string, unknown> } => {
  const parts = Array.isArray(message) ? message : [message]
  const texts: Array<string> = []
  const fields: Record<string, unknown> = {}
  for (const p of parts) {
    if (typeof p === "string") texts.push(p)
    else if (typeof p === "object" && p !== null && !(p instanceof Error)) Object.assign(fields, p)
    else texts.push(String(p))
  }
  return { text: texts.join(" "), fields }
}

/** Core's retry log ("refract: retrying", Debug) is progress: shown at the default level. */
const logger = Logger.make<unknown, void>(({ logLevel, message }) => {
  const { text, fields } = describeMessage(message)
  if (text === "refract: retrying") {
    if (!settings.progress && !settings.debug) return
    const wait = typeof fields["waitMillis"] === "number" ? `; retrying in ${seconds(fields["waitMillis"])}` : "; retrying"
    write(`refract: ${fields["connector"]} ${fields["operation"]}: attempt ${fields["attempt"]} failed (${fields["reason"]})${wait}`)
    return
  }
  const order = levelOrder[logLevel] ?? 3
  if (order < levelOrder["Info"]! && !settings.debug) return
  const extra = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(" ")
  write(`refract: ${logLevel.toLowerCase()}: ${text.replace(/^refract: /, "")}${extra === "" ? "" : ` ${extra}`}`)
})

const idempotencyHeader = /idempotency|request-id/i

/** Wraps a tracer: client spans (effect/http, one per request) become "still waiting" and debug lines. */
export const wrapTracer = (inner: Tracer.Tracer): Tracer.Tracer =>
  Tracer.make({
    ...inner,
    span(options) {
      const span = inner.span(options)
      if (options.kind !== "client") return span
      requestsStarted++
      const started = Date.now()
      const describe = () => {
        const method = span.attributes.get("http.request.method") ?? options.name
        const path = span.attributes.get("url.path") ?? ""
        return `${String(method)} ${String(path)}`
      }
      // A terminal gets a line every 2 s; a log (CI, a file) one after 5 s, then every 15 s.
      const tty = process.stderr.isTTY === true
      const say = () => progress(`still waiting for an answer to ${describe()} (${seconds(Date.now() - started)})`)
      let waiting: ReturnType<typeof setTimeout> = setTimeout(function tick() {
        say()
        waiting = setTimeout(tick, tty ? 2_000 : 15_000)
        waiting.unref()
      }, tty ? 2_000 : 5_000)
      waiting.unref()
      const end = span.end.bind(span)
      span.end = (endTime, exit) => {
        clearTimeout(waiting)
        if (settings.debug) {
          const status = span.attributes.get("http.response.status_code")
          const keys = [...span.attributes.entries()]
            .filter(([k]) => k.startsWith("http.request.header.") && idempotencyHeader.test(k))
            .map(([k, v]) => `${k.slice("http.request.header.".length)} ${String(v)}`)
          const outcome = status !== undefined ? String(status) : exit._tag === "Success" ? "ok" : "no answer"
          write(`refract: debug: ${describe()} → ${outcome} in ${seconds(Date.now() - started)}${keys.length > 0 ? ` (${keys.join(", ")})` : ""}`)
        }
        end(endTime, exit)
      }
      return span
    }
  })

/**
 * For the whole command: the logger above instead of Effect's console logger (the others, such as
 * the OTLP log exporter, stay), the minimum log level low
 * enough to see core's debug retry log, the idempotency header recorded on client spans (never any
 * other header), and the tracer wrapped (over whatever the telemetry layer installed).
 */
export const around = <A, E, R>(args: ReadonlyArray<string>, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
  settings = settingsFor(args)
  const level = logLevelFromArgs(args)
  const minimum: LogLevel.LogLevel = level !== undefined && levelOrder[level]! < levelOrder["Debug"]! ? level : "Debug"
  return Effect.gen(function*() {
    const tracer = yield* Effect.tracer
    // Every logger stays (the OTLP exporter, span events) but Effect's console one: this one prints instead.
    const loggers = new Set([...(yield* Effect.service(Logger.CurrentLoggers))].filter((l) => l !== Logger.defaultLogger))
    loggers.add(logger)
    return yield* effect.pipe(
      Effect.withTracer(wrapTracer(tracer)),
      Effect.provideService(References.MinimumLogLevel, minimum),
      Effect.provideService(HttpClient.TracerHeaderFilter, (name: string, phase: "request" | "response") =>
        phase === "request" && idempotencyHeader.test(name) && !/auth|key-id|signature/i.test(name)),
      Effect.provideService(Logger.CurrentLoggers, loggers)
    )
  })
}
