/**
 * `refract control …`: drives a running `refract emulator` through its control API
 * (`/__emulator/…`, see @refract/testkit's ControlApi), so trying the CLI never needs curl:
 * create a payment (and script its refunds' outcome), move a refund one step, read or advance the
 * emulator clock, route webhooks, print or deliver a signed webhook, inject faults, list the
 * emulator's refunds.
 *
 * The emulator is found like the processor is by `refunds`: `--base-url`, else `<ID>_BASE_URL`
 * (which `refract emulator` prints), else 127.0.0.1 on the emulator's default port.
 * Only loopback emulators are accepted: the control API is never a real processor's.
 */
import { Console, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { StepFailed, UsageError } from "../errors.ts"
import { json, table } from "../format.ts"
import * as Registry from "../registry.ts"

const outcomes = ["succeeded", "failed", "canceled", "requires_action", "succeeded_then_reversed", "succeeded_then_failed"] as const

const common = {
  connector: Flag.String("connector").pipe(Flag.withAlias("c"), Flag.withDescription(`Which emulator (${Registry.ids.join(" | ")})`)),
  baseUrl: Flag.String("base-url").pipe(
    Flag.withDescription("The emulator's base URL; default <ID>_BASE_URL, else http://127.0.0.1:<its default port>"),
    Flag.optional
  ),
  json: Flag.Boolean("json").pipe(Flag.withDescription("Print the control API's JSON answer"), Flag.withDefault(false))
} as const

interface Common {
  readonly connector: string
  readonly baseUrl: Option.Option<string>
  readonly json: boolean
}

const loopback = new Set(["127.0.0.1", "localhost", "[::1]", "::1"])

/** The emulator's origin (the control API lives at `<origin>/__emulator`). */
export const emulatorOrigin = (input: Pick<Common, "connector" | "baseUrl">, env: Readonly<Record<string, string | undefined>>) =>
  Effect.gen(function*() {
    const known = Registry.find(input.connector)
    if (known === undefined) {
      return yield* new UsageError({ message: `unknown connector ${JSON.stringify(input.connector)}; known connectors: ${Registry.ids.join(", ")}` })
    }
    const fromEnv = env[`${Registry.envPrefix(known.id)}_BASE_URL`]
    const raw = Option.getOrUndefined(input.baseUrl) ?? (fromEnv !== undefined && fromEnv !== "" ? fromEnv : `http://127.0.0.1:${known.emulatorPort}`)
    let url: URL
    try {
      url = new URL(raw)
    } catch {
      return yield* new UsageError({ message: `--base-url must be an http URL such as http://127.0.0.1:${known.emulatorPort}` })
    }
    if (url.protocol !== "http:" || !loopback.has(url.hostname)) {
      return yield* new UsageError({
        message: `${url.origin} is not a local emulator: refract control only talks to emulators on loopback (http://127.0.0.1:…)`
      })
    }
    return { known, origin: url.origin }
  })

/** One control API call; a refused connection names the command that starts the emulator. */
const call = (
  target: { readonly known: Registry.Known; readonly origin: string },
  method: "GET" | "POST" | "PUT" | "DELETE",
  path: string,
  body?: unknown
): Effect.Effect<unknown, StepFailed> =>
  Effect.tryPromise({
    try: async (signal) => {
      const response = await fetch(`${target.origin}/__emulator${path}`, {
        method,
        signal,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) })
      })
      const text = await response.text()
      const parsed: unknown = text === "" ? null : (() => {
        try {
          return JSON.parse(text) as unknown
        } catch {
          return text
        }
      })()
      if (!response.ok) {
        const error = typeof parsed === "object" && parsed !== null && "error" in parsed ? (parsed as { error: unknown }).error : parsed
        const message = typeof error === "object" && error !== null && "message" in error ? String((error as { message: unknown }).message) : String(error)
        throw new StepFailed({ message: `${target.known.displayName} emulator: ${method} /__emulator${path} answered ${response.status}: ${message}` })
      }
      return parsed
    },
    catch: (error) =>
      error instanceof StepFailed
        ? error
        : new StepFailed({
          message: `no ${target.known.displayName} emulator answers at ${target.origin} ` +
            `(start one with 'refract emulator ${target.known.id}', or pass --base-url)`
        })
  })

const print = (asJson: boolean, value: unknown, text: () => string) => Console.log(asJson ? json(value) : text())

const positiveInt = (flag: string, value: number) =>
  Number.isSafeInteger(value) && value > 0 ? Effect.succeed(value) : Effect.fail(new UsageError({ message: `${flag} must be a positive whole number, got ${value}` }))

const payment = Command.make(
  "payment",
  {
    ...common,
    amount: Flag.Int("amount").pipe(Flag.withDescription("Captured amount in minor units (2500 is 25.00 USD)")),
    currency: Flag.String("currency").pipe(Flag.withDescription("ISO 4217 currency code")),
    outcome: Flag.Literals("outcome", outcomes).pipe(
      Flag.withDescription("How refunds of this payment end (default succeeded)"),
      Flag.optional
    )
  },
  Effect.fn(function*(input: Common & { readonly amount: number; readonly currency: string; readonly outcome: Option.Option<string> }) {
    const target = yield* emulatorOrigin(input, process.env)
    const amount = yield* positiveInt("--amount", input.amount)
    const created = (yield* call(target, "POST", "/payments", { amount, currency: input.currency.trim().toUpperCase() })) as { readonly id: string }
    if (Option.isSome(input.outcome)) {
      yield* call(target, "POST", `/payments/${encodeURIComponent(created.id)}/outcome`, { outcome: input.outcome.value })
    }
    yield* print(input.json, { id: created.id, amount, currency: input.currency.toUpperCase(), outcome: Option.getOrElse(input.outcome, () => "succeeded") }, () =>
      [
        `payment ${created.id} captured for ${amount} ${input.currency.toUpperCase()} (minor units) in the ${target.known.displayName} emulator`,
        `refund it: refract refunds create --connector ${target.known.id} --payment ${created.id} --amount ${amount} --currency ${input.currency.toUpperCase()} --merchant-refund-id <your id>`
      ].join("\n"))
  })
).pipe(Command.withDescription("Create a refundable payment in the emulator (and script how its refunds end)"))

interface EmulatedRefund {
  readonly id: string
  readonly paymentId: string
  readonly amount: number
  readonly currency: string
  readonly status: string
  readonly history?: ReadonlyArray<{ readonly status?: string; readonly to?: string }>
}

const refundLine = (r: EmulatedRefund) => `${r.id}  ${r.status}  ${r.amount} ${r.currency}  payment ${r.paymentId}`

const advance = Command.make(
  "advance",
  { ...common, refund: Flag.String("refund").pipe(Flag.withDescription("The refund id to move one step now (its webhooks are delivered)")) },
  Effect.fn(function*(input: Common & { readonly refund: string }) {
    const target = yield* emulatorOrigin(input, process.env)
    const refund = (yield* call(target, "POST", `/refunds/${encodeURIComponent(input.refund)}/advance`)) as EmulatedRefund
    yield* print(input.json, refund, () => `refund ${refund.id} is now ${refund.status} in the ${target.known.displayName} emulator`)
  })
).pipe(Command.withDescription("Move a refund one step now (PENDING → its outcome), delivering its webhooks"))

/** `90s`, `15m`, `2h`, `3d`, `1500ms` or a number of milliseconds. */
export const parseDuration = (value: string): number | undefined => {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(value.trim())
  if (m === null) return undefined
  const n = Number(m[1])
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? "ms") as "ms"]
  const millis = Math.round(n * unit)
  return Number.isSafeInteger(millis) ? millis : undefined
}

const clock = Command.make(
  "clock",
  {
    ...common,
    advance: Flag.String("advance").pipe(
      Flag.withDescription("Skip the emulator clock ahead (90s, 15m, 2h, 3d, 1500ms); due refund steps and webhooks happen"),
      Flag.optional
    )
  },
  Effect.fn(function*(input: Common & { readonly advance: Option.Option<string> }) {
    const target = yield* emulatorOrigin(input, process.env)
    let info: unknown
    if (Option.isSome(input.advance)) {
      const millis = parseDuration(input.advance.value)
      if (millis === undefined || millis <= 0) {
        return yield* new UsageError({ message: `--advance must be a duration such as 90s, 15m, 2h or 3d, got ${JSON.stringify(input.advance.value.slice(0, 32))}` })
      }
      info = yield* call(target, "POST", "/clock/advance", { millis })
    } else info = yield* call(target, "GET", "/clock")
    const now = typeof info === "object" && info !== null && "now" in info ? (info as { now: unknown }).now : undefined
    yield* print(input.json, info, () =>
      `${target.known.displayName} emulator clock: ${typeof now === "number" ? new Date(now).toISOString() : JSON.stringify(info)}`)
  })
).pipe(Command.withDescription("Show the emulator clock, or advance it (--advance 3d): refunds settle and reverse on it"))

const webhooks = Command.make(
  "webhooks",
  {
    ...common,
    to: Flag.String("to").pipe(
      Flag.withDescription("Deliver signed webhooks for every refund change to this URL (e.g. http://127.0.0.1:8080/webhooks/stripe)"),
      Flag.optional
    ),
    off: Flag.Boolean("off").pipe(Flag.withDescription("Stop delivering webhooks"), Flag.withDefault(false)),
    flush: Flag.Boolean("flush").pipe(Flag.withDescription("Deliver the pending webhook retries now"), Flag.withDefault(false))
  },
  Effect.fn(function*(input: Common & { readonly to: Option.Option<string>; readonly off: boolean; readonly flush: boolean }) {
    const target = yield* emulatorOrigin(input, process.env)
    if (Option.isSome(input.to) && input.off) return yield* new UsageError({ message: "--to and --off cannot be combined" })
    if (Option.isSome(input.to) && !/^https?:\/\/\S+$/.test(input.to.value)) {
      return yield* new UsageError({ message: `--to must be an http(s) URL, got ${JSON.stringify(input.to.value.slice(0, 64))}` })
    }
    if (Option.isSome(input.to) || input.off) {
      const url = Option.getOrNull(input.to)
      yield* call(target, "PUT", "/webhook-url", { url })
      yield* print(input.json, { url }, () => url === null ? "webhooks: not delivered" : `webhooks: delivered to ${url}`)
    }
    if (input.flush) {
      const flushed = (yield* call(target, "POST", "/webhooks/flush")) as { readonly data?: ReadonlyArray<unknown> }
      yield* print(input.json, flushed, () => `webhooks: flushed (${flushed.data?.length ?? 0} delivery attempts so far)`)
    }
    if (Option.isNone(input.to) && !input.off && !input.flush) {
      const deliveries = (yield* call(target, "GET", "/webhooks")) as { readonly data: ReadonlyArray<Record<string, unknown>> }
      yield* print(input.json, deliveries, () =>
        deliveries.data.length === 0
          ? "no webhook deliveries yet"
          : deliveries.data.map((d) => `${String(d["refundId"] ?? "")}  ${String(d["eventType"] ?? "")}  ${String(d["status"] ?? "")}${d["accepted"] === true ? " accepted" : ""}`).join("\n"))
    }
  })
).pipe(Command.withDescription("Route webhooks (--to URL, --off), deliver pending retries (--flush), or list deliveries"))

const webhook = Command.make(
  "webhook",
  {
    ...common,
    refund: Flag.String("refund").pipe(Flag.withDescription("The refund whose current status the webhook announces")),
    deliverTo: Flag.String("deliver-to").pipe(Flag.withDescription("POST the signed webhook to this URL and print the answer"), Flag.optional),
    tamper: Flag.Boolean("tamper").pipe(Flag.withDescription("Change the body after signing (the receiver must refuse it)"), Flag.withDefault(false))
  },
  Effect.fn(function*(input: Common & { readonly refund: string; readonly deliverTo: Option.Option<string>; readonly tamper: boolean }) {
    const target = yield* emulatorOrigin(input, process.env)
    const signed = (yield* call(
      target,
      "GET",
      `/refunds/${encodeURIComponent(input.refund)}/webhook${input.tamper ? "?tamper=true" : ""}`
    )) as { readonly headers: Record<string, string>; readonly body: string }
    if (Option.isNone(input.deliverTo)) return yield* Console.log(json(signed))
    const url = input.deliverTo.value
    if (!/^https?:\/\/\S+$/.test(url)) return yield* new UsageError({ message: `--deliver-to must be an http(s) URL` })
    const answer = yield* Effect.tryPromise({
      try: async (signal) => {
        const r = await fetch(url, { method: "POST", headers: signed.headers, body: signed.body, signal })
        return { status: r.status, body: await r.text() }
      },
      catch: () => new StepFailed({ message: `could not deliver the webhook to ${url}: nothing answers there` })
    })
    yield* print(input.json, answer, () => `delivered to ${url}: HTTP ${answer.status} ${answer.body.slice(0, 200)}`)
    if (answer.status >= 300) return yield* new StepFailed({ message: `the receiver answered HTTP ${answer.status}` })
  })
).pipe(Command.withDescription("Print a signed webhook for a refund's current status, or deliver it (--deliver-to URL)"))

const faultKinds = ["rate-limit", "server-error", "slow", "drop-before-record", "drop-after-record", "malformed-body", "stall-mid-body", "reset-after-headers"] as const

/** The testkit's Fault for a `--kind` and its options. */
export const faultFor = (kind: typeof faultKinds[number], options: { readonly millis: number; readonly status: number; readonly retryAfter: number }) => {
  switch (kind) {
    case "rate-limit":
      return { _tag: "RateLimit", retryAfterSeconds: options.retryAfter }
    case "server-error":
      return { _tag: "ServerError", status: options.status }
    case "slow":
      return { _tag: "Slow", delayMillis: options.millis }
    case "drop-before-record":
      return { _tag: "DropBeforeRecord" }
    case "drop-after-record":
      return { _tag: "DropAfterRecord" }
    case "malformed-body":
      return { _tag: "MalformedBody" }
    case "stall-mid-body":
      return { _tag: "StallMidBody" }
    case "reset-after-headers":
      return { _tag: "ResetAfterHeaders" }
  }
}

const fault = Command.make(
  "fault",
  {
    ...common,
    kind: Flag.Literals("kind", faultKinds).pipe(
      Flag.withDescription("What goes wrong: a 429, a 5xx, a slow answer, a dropped connection (before or after the processor acted), a garbled or stalled body, a reset"),
      Flag.optional
    ),
    times: Flag.Int("times").pipe(Flag.withDescription("For this many matching requests"), Flag.withDefault(1)),
    method: Flag.String("method").pipe(Flag.withDescription("Only requests with this method (GET, POST)"), Flag.optional),
    path: Flag.String("path").pipe(Flag.withDescription("Only requests to this path (e.g. /v1/refunds)"), Flag.optional),
    millis: Flag.Int("millis").pipe(Flag.withDescription("slow: how long the answer is held (emulator clock)"), Flag.withDefault(30_000)),
    status: Flag.Int("status").pipe(Flag.withDescription("server-error: the status"), Flag.withDefault(503)),
    retryAfter: Flag.Int("retry-after").pipe(Flag.withDescription("rate-limit: the Retry-After seconds"), Flag.withDefault(1)),
    clear: Flag.Boolean("clear").pipe(Flag.withDescription("Remove every queued fault"), Flag.withDefault(false))
  },
  Effect.fn(function*(
    input: Common & {
      readonly kind: Option.Option<typeof faultKinds[number]>
      readonly times: number
      readonly method: Option.Option<string>
      readonly path: Option.Option<string>
      readonly millis: number
      readonly status: number
      readonly retryAfter: number
      readonly clear: boolean
    }
  ) {
    const target = yield* emulatorOrigin(input, process.env)
    if (input.clear) {
      if (Option.isSome(input.kind)) return yield* new UsageError({ message: "--clear and --kind cannot be combined" })
      yield* call(target, "DELETE", "/faults")
      return yield* print(input.json, { cleared: true }, () => "faults cleared")
    }
    if (Option.isNone(input.kind)) return yield* new UsageError({ message: `--kind is required (${faultKinds.join(" | ")}), or --clear` })
    const kind = input.kind.value
    yield* positiveInt("--times", input.times)
    const injected = faultFor(kind, input)
    const match = {
      times: input.times,
      ...(Option.isSome(input.method) ? { method: input.method.value.toUpperCase() } : {}),
      ...(Option.isSome(input.path) ? { path: input.path.value } : {})
    }
    yield* call(target, "POST", "/faults", { fault: injected, match })
    yield* print(input.json, { fault: injected, match }, () =>
      `the next ${input.times === 1 ? "matching request gets" : `${input.times} matching requests get`} ${kind} ` +
      `(${[match.method, match.path].filter((x) => x !== undefined).join(" ") || "any request"})`)
  })
).pipe(Command.withDescription("Make the next matching requests fail (429, 5xx, slow, dropped, garbled), to watch retries and recovery"))

const refunds = Command.make(
  "refunds",
  { ...common },
  Effect.fn(function*(input: Common) {
    const target = yield* emulatorOrigin(input, process.env)
    const all = (yield* call(target, "GET", "/refunds")) as { readonly data: ReadonlyArray<EmulatedRefund> }
    yield* print(input.json, all, () =>
      all.data.length === 0 ? `no refunds in the ${target.known.displayName} emulator` : table(all.data.map((r) => [r.id, refundLine(r).slice(r.id.length + 2)] as const), ""))
  })
).pipe(Command.withDescription("List the emulator's refunds (its ground truth)"))

export const control = Command.make("control").pipe(
  Command.withDescription("Drive a running emulator: create a payment, move a refund, advance the clock, route or print webhooks, inject faults"),
  Command.withSubcommands([payment, advance, clock, webhooks, webhook, fault, refunds]),
  Command.withExamples([
    { command: "refract control payment -c stripe --amount 2500 --currency USD", description: "A refundable payment in `refract emulator stripe`" },
    { command: "refract control advance -c stripe --refund re_…", description: "Settle a refund now" },
    { command: "refract control clock -c adyen --advance 3d", description: "Skip three days: reversals and webhook retries happen" },
    { command: "refract control webhooks -c stripe --to http://127.0.0.1:8080/webhooks/stripe", description: "Deliver to `refract serve`" }
  ])
)
