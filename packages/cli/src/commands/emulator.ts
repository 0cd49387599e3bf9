/**
 * `refract emulator <connector>`: runs one processor emulator from `@refract/testkit` until
 * SIGINT/SIGTERM, and prints what is needed to use it (base URL, credentials, control API).
 */
import type { Credentials } from "@refract/core"
import type { Emulator, EmulatorHandle } from "@refract/testkit"
import { Console, Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { inspect } from "node:util"
import type { InstalledConnector } from "../connectors.ts"
import * as Connectors from "../connectors.ts"
import { StepFailed, UsageError } from "../errors.ts"
import { table } from "../format.ts"
import { signalStopsGracefully } from "../shutdown.ts"
import * as Registry from "../registry.ts"
import { envPrefix } from "../target.ts"

const controlRoutes = [
  "GET  /__emulator                       name, url, credentials, webhook secret",
  "POST /__emulator/payments              {amount, currency}: create a refundable payment",
  "POST /__emulator/payments/:id/outcome  {outcome}: succeeded | failed | canceled | requires_action | succeeded_then_reversed | succeeded_then_failed",
  "POST /__emulator/refunds/:id/advance   move a refund one step now (delivers its webhooks)",
  "GET  /__emulator/clock                 the emulator clock; POST /__emulator/clock/advance {millis} skips ahead",
  "GET  /__emulator/refunds[/:id]         refunds with their status history",
  "GET  /__emulator/refunds/:id/webhook   a signed webhook for the refund's current status",
  "PUT  /__emulator/webhook-url           {url}: where webhooks are delivered (retried until acknowledged)",
  "GET  /__emulator/requests | /webhooks  request log, webhook delivery attempts",
  "GET  /__emulator/events | /truth       event log; ground truth (refunds, events, idempotency keys)",
  "POST /__emulator/faults                {fault, match}: inject RateLimit, ServerError, DropAfterRecord, Slow, StallMidBody, ResetAfterHeaders, ...",
  "POST /__emulator/faults/random         {rate, kinds, seed}: a seeded fault campaign",
  "POST /__emulator/reset                 forget everything"
]

/** `STRIPE_API_KEY=sk_test_emulator` lines for the credentials the connector reads from the environment. */
const credentialLines = (entry: InstalledConnector, emulator: EmulatorHandle): ReadonlyArray<string> => {
  const spec = entry.connector.credentials as Credentials.CredentialSpec
  const webhookSpec = (entry.connector.webhooks?.secrets ?? {}) as Credentials.CredentialSpec
  const lines: Array<string> = []
  for (const [name, value] of Object.entries(emulator.credentials)) {
    const field = spec[name]
    if (field !== undefined) lines.push(`${field.env}=${value}`)
    else if (webhookSpec[name] === undefined) lines.push(`${name}=${value} (emulator only)`)
  }
  return lines
}

const webhookSecretLine = (entry: InstalledConnector, emulator: EmulatorHandle): string => {
  const fields = Object.values((entry.connector.webhooks?.secrets ?? {}) as Credentials.CredentialSpec)
  return fields.length === 1 ? `${fields[0]!.env}=${emulator.webhookSecret}` : emulator.webhookSecret
}

const example = (cmd: string) => `  ${cmd}`

export const banner = (entry: InstalledConnector, emulator: EmulatorHandle, options: Emulator.EmulatorOptions): string => {
  const c = entry.connector
  const prefix = envPrefix(c.id)
  const creds = credentialLines(entry, emulator)
  const settle = options.settleAfterMillis !== undefined
    ? `${options.settleAfterMillis} ms after each change (emulator clock); reads never move a refund`
    : entry.emulator?.settleDefault ?? "emulator default"
  const clock = typeof options.clock === "object" && "kind" in options.clock && options.clock.kind === "real" && options.clock.timeScale !== undefined
    ? `real time × ${options.clock.timeScale}`
    : "real time"
  const exports = [...creds.filter((l) => !l.endsWith("(emulator only)")), `${prefix}_BASE_URL=${emulator.url}`]
  const amount = entry.emulator?.demo.amount ?? 2500
  const currency = entry.emulator?.demo.currency ?? "USD"
  return [
    `${c.displayName} emulator (Refract testkit, loopback only: never a real processor)`,
    table([
      ["base URL", emulator.url],
      ["control API", `${emulator.origin}/__emulator`],
      ["credentials", creds[0]],
      ...creds.slice(1).map((l) => ["", l] as const),
      ["webhook secret", webhookSecretLine(entry, emulator)],
      ["webhooks", options.webhookUrl ?? `not delivered (use --webhook-url, or: refract control webhooks --connector ${c.id} --to <url>)`],
      ["refunds move", settle],
      ["clock", clock]
    ]),
    "",
    "Try it (in another shell):",
    example(`export ${exports.join(" ")}`),
    example(`refract control payment --connector ${c.id} --amount ${amount} --currency ${currency}`),
    example(
      `refract refunds create --connector ${c.id} --payment <payment id> --amount ${Math.min(1000, amount)} --currency ${currency} --merchant-refund-id try-1`
    ),
    ...(c.capabilities.get
      ? [example(`refract refunds get --connector ${c.id} --id <refund id>`)]
      : [example(`refract control advance --connector ${c.id} --refund <refund id>   (${c.displayName} reports outcomes by webhook only)`)]),
    example(`refract control clock --connector ${c.id} --advance 2s   (or: refract refunds wait / refract control --help)`),
    "",
    "Control API (what `refract control` calls; for other languages and tools):",
    ...controlRoutes.map((r) => `  ${r}`),
    "",
    "Press Ctrl-C to stop."
  ].join("\n")
}

const nonNegative = (flag: string, value: Option.Option<number>) =>
  Option.isSome(value) && value.value < 0
    ? Effect.fail(new UsageError({ message: `${flag} must be zero or more, got ${value.value}` }))
    : Effect.void

export const emulator = Command.make(
  "emulator",
  {
    connector: Argument.String("connector").pipe(
      Argument.withDescription(`Which emulator (${Registry.ids.join(" | ")})`)
    ),
    port: Flag.Int("port").pipe(
      Flag.withAlias("p"),
      Flag.withDescription(
        `Port on 127.0.0.1 (0 = any free port); default ${Registry.known.map((c) => `${c.id} ${c.emulatorPort}`).join(", ")}`
      ),
      Flag.optional
    ),
    webhookUrl: Flag.String("webhook-url").pipe(
      Flag.withDescription("Deliver signed webhooks for every refund state change to this URL"),
      Flag.optional
    ),
    settleAfterMs: Flag.Int("settle-after-ms").pipe(
      Flag.withDescription("Move refunds one step this many emulator milliseconds after their last change (reads never move them)"),
      Flag.optional
    ),
    timeScale: Flag.Int("time-scale").pipe(
      Flag.withDescription("Run the emulator clock this many times faster than real time (60: a minute per second), e.g. to watch webhook retries"),
      Flag.optional
    )
  },
  Effect.fn(function*(input) {
    const entry = Connectors.find(input.connector)
    if (entry?.emulator === undefined) {
      return yield* new UsageError({
        message: `${entry === undefined ? "unknown connector" : "no emulator for"} ${JSON.stringify(input.connector)}; ` +
          `emulators: ${Connectors.withEmulator.map((c) => c.id).join(", ")}`
      })
    }
    const support = entry.emulator
    const port = Option.getOrElse(input.port, () => support.defaultPort)
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      return yield* new UsageError({ message: `--port must be between 0 and 65535, got ${port}` })
    }
    yield* nonNegative("--settle-after-ms", input.settleAfterMs)
    if (Option.isSome(input.timeScale) && input.timeScale.value < 1) {
      return yield* new UsageError({ message: `--time-scale must be 1 or more, got ${input.timeScale.value}` })
    }
    if (Option.isSome(input.webhookUrl) && !/^https?:\/\/[^\s]+$/.test(input.webhookUrl.value)) {
      return yield* new UsageError({ message: `--webhook-url must be an http(s) URL, got ${JSON.stringify(input.webhookUrl.value.slice(0, 64))}` })
    }
    const options: Emulator.EmulatorOptions = {
      port,
      ...(Option.isSome(input.webhookUrl) ? { webhookUrl: input.webhookUrl.value } : {}),
      ...(Option.isSome(input.settleAfterMs) ? { settleAfterMillis: input.settleAfterMs.value } : {}),
      ...(Option.isSome(input.timeScale) ? { clock: { kind: "real" as const, timeScale: input.timeScale.value } } : {})
    }
    const running = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => support.start(options),
        catch: (error) => {
          const detail = inspect(error, { depth: 6 }).includes("EADDRINUSE") ? `: port ${port} is in use (try --port 0)` : ""
          return new StepFailed({ message: `could not start the ${entry.connector.displayName} emulator on port ${port}${detail}` })
        }
      }),
      (e) => Effect.promise(() => e.close()).pipe(Effect.andThen(Console.log(`${entry.connector.displayName} emulator stopped.`)))
    )
    signalStopsGracefully()
    yield* Console.log(banner(entry, running, options))
    return yield* Effect.never
  }, Effect.scoped)
).pipe(
  Command.withDescription("Run a processor emulator on loopback until Ctrl-C (for trying the CLI and your integration)"),
  Command.withExamples([
    { command: "refract emulator stripe", description: "Stripe emulator on http://127.0.0.1:12111" },
    { command: "refract emulator adyen --port 0 --webhook-url http://127.0.0.1:3000/webhooks/adyen", description: "Adyen emulator on a free port, delivering webhooks" }
  ])
)
