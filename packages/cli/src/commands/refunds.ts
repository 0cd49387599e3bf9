/**
 * `refract refunds create|get|lookup|wait|cancel|list`: refund operations against a real processor or an
 * emulator (`--base-url`), through Refract's `RefundService`. While they wait, progress goes to
 * stderr (`progress.ts`); an interrupted create says how to resume it without a second refund.
 */
import { Currency, Refund, RefundService, RefundStatus, RefundStore } from "@refract/core"
import type * as StoreConfig from "@refract/store-pg/StoreConfig"
import type { RefundError } from "@refract/core"
import { Console, Duration, Effect, Option, Result, Schema } from "effect"
import { Command, Flag } from "effect/cli"
import { Failed, UsageError } from "../errors.ts"
import { amountText, durationFlag, json, refundJson, refundText, statusLine, table } from "../format.ts"
import * as Progress from "../progress.ts"
import * as Registry from "../registry.ts"
import { scrub } from "../secrets.ts"
import type { ConnectionFlags, Target } from "../target.ts"
import { findConnector, refundServiceLayer, resolve } from "../target.ts"

export const connectionFlags = {
  connector: Flag.String("connector").pipe(
    Flag.withAlias("c"),
    Flag.withDescription(`Connector id (${Registry.ids.join(" | ")})`)
  ),
  baseUrl: Flag.String("base-url").pipe(
    Flag.withDescription("Override the processor's base URL (an emulator, a proxy); default: <ID>_BASE_URL, else the environment's URL"),
    Flag.optional
  ),
  environment: Flag.Literals("environment", ["sandbox", "production"]).pipe(
    Flag.withDescription("Processor environment; default: <ID>_ENVIRONMENT, else sandbox"),
    Flag.optional
  ),
  apiKey: Flag.Redacted("api-key").pipe(
    Flag.withDescription("API key; overrides the connector's API key variable (STRIPE_API_KEY, ADYEN_API_KEY, ...). Prefer the variable: flags show up in shell history"),
    Flag.optional
  ),
  credential: Flag.KeyValuePair("credential").pipe(
    Flag.withDescription("Any credential field as name=value (repeatable), e.g. --credential merchantAccount=MyECOM; overrides its variable"),
    Flag.optional
  ),
  json: Flag.Boolean("json").pipe(Flag.withDescription("Print JSON instead of text"), Flag.withDefault(false))
} as const

const decodeProcessorId = Schema.decodeUnknownResult(Refund.ProcessorId)
const decodeMerchantRefundId = Schema.decodeUnknownResult(Refund.MerchantRefundId)

/** A processor id (refund or payment) of a sane shape, or a usage error naming the flag. */
const processorId = (flag: string, value: string): Effect.Effect<string, UsageError> =>
  Result.isSuccess(decodeProcessorId(value))
    ? Effect.succeed(value)
    : Effect.fail(
      new UsageError({
        message: `malformed ${flag} ${JSON.stringify(value.slice(0, 64))}: expected 1 to 255 letters, digits or . _ : | @ - (no spaces or slashes)`
      })
    )

/** A positive whole number of minor units. */
export const parseAmount = (value: string): Effect.Effect<number, UsageError> => {
  const trimmed = value.trim()
  const n = Number(trimmed)
  if (/^-\s*\d+(?:\.\d+)?$/.test(trimmed) || trimmed === "0" || /^0+$/.test(trimmed)) {
    return Effect.fail(
      new UsageError({ message: `--amount must be greater than zero (a refund amount in minor units), got ${JSON.stringify(value.slice(0, 32))}` })
    )
  }
  if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(n)) {
    return Effect.fail(
      new UsageError({
        message: `--amount must be a whole number of minor units (1050 is 10.50 USD, 1050 JPY is ¥1050), got ${JSON.stringify(value.slice(0, 32))}`
      })
    )
  }
  if (n === 0) return Effect.fail(new UsageError({ message: "--amount must be greater than zero" }))
  return Effect.succeed(n)
}

export const parseCurrency = (value: string): Effect.Effect<Currency.CurrencyCode, UsageError> =>
  Option.match(Currency.parse(value.trim()), {
    onNone: () =>
      Effect.fail(
        new UsageError({ message: `unknown currency ${JSON.stringify(value.slice(0, 16))}: expected an ISO 4217 code such as USD, EUR or JPY` })
      ),
    onSome: Effect.succeed
  })

/**
 * A 404 without the processor's own "no such refund" code, from a base URL whose path is not the
 * one the processor's API lives at (`--base-url http://host/wrong`, Adyen without `/v71`), came
 * from a path that is not the processor's API: the base URL is the likelier problem, not the refund.
 */
const urlPath = (url: string): string => new URL(url).pathname.replace(/\/+$/, "") || "/"

export const explainNotFound = (target: Target) => (error: RefundError): RefundError => {
  const override = target.options.baseUrl
  if (error.reason._tag !== "NotFound" || error.httpStatus !== 404 || error.processorCode !== undefined || override === undefined) return error
  const environments = target.installed.connector.environments as Readonly<Record<string, string | undefined>>
  const official = environments[target.options.environment ?? "sandbox"]
  if (official === undefined || urlPath(official) === urlPath(override)) return error
  const name = target.installed.connector.displayName
  return new (error.constructor as typeof RefundError)({
    ...error,
    reason: new (error.reason.constructor as new(args: { message: string }) => RefundError.RefundErrorReason)({
      message: `HTTP 404 from ${override}, whose path ${urlPath(override)} is not where ${name}'s API lives ` +
        `(${urlPath(official)}, as in ${official}): the base URL looks wrong; check --base-url / ${Registry.envPrefix(target.installed.id)}_BASE_URL`
    })
  })
}

/** Runs `f` with a RefundService that has exactly the target connector registered. */
const withRefunds = <A, E>(target: Target, f: (service: RefundService.Service) => Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    return yield* f(yield* RefundService.RefundService)
  }).pipe(
    Effect.provide(refundServiceLayer(target)),
    Effect.mapError((e) => (isRefundError(e) ? explainNotFound(target)(e) : e) as E | RefundError)
  )

const isRefundError = (u: unknown): u is RefundError =>
  typeof u === "object" && u !== null && (u as { _tag?: unknown })._tag === "RefundError"

const printRefund = (refund: Refund.Refund, asJson: boolean) => Console.log(asJson ? json(refundJson(refund)) : refundText(refund))

/** `'it''s'` quoting for the resume hint, only where the shell needs it. */
const shellQuote = (arg: string): string => (/^[\w./:=@,+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)

/**
 * The command that resumes an interrupted create: the same arguments (same --merchant-refund-id,
 * hence the same idempotency key), with every secret value replaced by its variable: `--api-key`,
 * and `--credential name=value` for a secret field (`secretEnv` maps a field name or variable to
 * the variable).
 */
export const resumeCommand = (args: ReadonlyArray<string>, secretEnv: (key: string) => string | undefined): string => {
  const out: Array<string> = []
  const variable = (key: string) => `"$${secretEnv(key) ?? "SECRET"}"`
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    if (a === "--api-key") {
      out.push(a, variable("apiKey"))
      i++
    } else if (a.startsWith("--api-key=")) out.push(`--api-key=${variable("apiKey")}`)
    else if (a === "--credential" && i + 1 < args.length) {
      const [key, ...rest] = args[++i]!.split("=")
      out.push(a, secretEnv(key!) !== undefined ? `${shellQuote(key!)}=${variable(key!)}` : shellQuote(`${key}=${rest.join("=")}`))
    } else out.push(shellQuote(a))
  }
  return `refract ${out.join(" ")}`
}

export const flagsOf = (input: ConnectionFlags): ConnectionFlags => ({
  connector: input.connector,
  baseUrl: input.baseUrl,
  environment: input.environment,
  apiKey: input.apiKey,
  credential: input.credential
})

const get = Command.make(
  "get",
  {
    id: Flag.String("id").pipe(Flag.withDescription("The processor's refund id (Stripe re_…)")),
    ...connectionFlags
  },
  Effect.fn(function*(input) {
    const { connector } = yield* findConnector(input.connector)
    if (!connector.capabilities.get) {
      return yield* new UsageError({
        message: `${connector.displayName} has no refund-status endpoint: its refund outcomes arrive only by webhook`
      })
    }
    const id = yield* processorId("--id", input.id)
    const target = yield* resolve(flagsOf(input), process.env, { credentialFlags: true })
    const refund = yield* withRefunds(target, (s) => s.get(connector.id, id))
    yield* printRefund(refund, input.json)
  })
).pipe(
  Command.withDescription("Read a refund's current status from the processor"),
  Command.withExamples([
    {
      command: "STRIPE_API_KEY=sk_test_… refract refunds get --connector stripe --id re_1Q2w3E",
      description: "Read a Stripe sandbox refund"
    },
    {
      command: "refract refunds get --connector stripe --base-url http://127.0.0.1:12111 --id re_… --json",
      description: "Read a refund from `refract emulator stripe`, as JSON"
    }
  ])
)

const cancel = Command.make(
  "cancel",
  {
    id: Flag.String("id").pipe(Flag.withDescription("The processor's refund id (Stripe re_…); only a refund the processor still holds can be cancelled")),
    ...connectionFlags
  },
  Effect.fn(function*(input) {
    const { connector } = yield* findConnector(input.connector)
    if (!connector.capabilities.cancelRefund) {
      return yield* new UsageError({
        message: `${connector.displayName} refunds cannot be cancelled through its API (capability cancelRefund: no; see refract connectors)`
      })
    }
    const id = yield* processorId("--id", input.id)
    const target = yield* resolve(flagsOf(input), process.env, { credentialFlags: true })
    const refund = yield* withRefunds(target, (s) => s.cancel(connector.id, id))
    yield* printRefund(refund, input.json)
  })
).pipe(
  Command.withDescription("Cancel a refund at the processor (Stripe: only while it requires action); prints it as the processor answers"),
  Command.withExamples([
    {
      command: "STRIPE_API_KEY=sk_test_… refract refunds cancel --connector stripe --id re_1Q2w3E",
      description: "Cancel a Stripe refund that requires action"
    },
    {
      command: "refract refunds cancel --connector stripe --base-url http://127.0.0.1:12111 --id re_… --json",
      description: "Cancel a refund at `refract emulator stripe`, as JSON"
    }
  ])
)

const create = Command.make(
  "create",
  {
    payment: Flag.String("payment").pipe(
      Flag.withDescription("The processor's id of the payment to refund (Stripe ch_…/pi_…, Adyen pspReference)")
    ),
    amount: Flag.String("amount").pipe(Flag.withDescription("Amount in minor units: 1050 is 10.50 USD")),
    currency: Flag.String("currency").pipe(Flag.withDescription("ISO 4217 currency code (USD, EUR, JPY, ...)")),
    merchantRefundId: Flag.String("merchant-refund-id").pipe(
      Flag.withDescription("Your own id for this refund; the idempotency anchor: re-running with the same id never refunds twice")
    ),
    reason: Flag.Literals("reason", Registry.refundReasons).pipe(
      Flag.withDescription("Why the refund is made"),
      Flag.optional
    ),
    metadata: Flag.KeyValuePair("metadata").pipe(
      Flag.withDescription("Metadata sent to processors that support it, key=value (repeatable)"),
      Flag.optional
    ),
    ...connectionFlags
  },
  Effect.fn(function*(input) {
    const { connector } = yield* findConnector(input.connector)
    const payment = yield* processorId("--payment", input.payment)
    const amount = yield* parseAmount(input.amount)
    const currency = yield* parseCurrency(input.currency)
    if (Result.isFailure(decodeMerchantRefundId(input.merchantRefundId))) {
      return yield* new UsageError({
        message: `malformed --merchant-refund-id ${JSON.stringify(input.merchantRefundId.slice(0, 64))}: ` +
          "expected 1 to 64 letters, digits or . _ : - starting with a letter or digit"
      })
    }
    const target = yield* resolve(flagsOf(input), process.env, { credentialFlags: true })
    const fields = Object.entries(connector.credentials as Record<string, { readonly env: string; readonly secret: boolean }>)
    const secretEnv = (key: string) => fields.find(([name, f]) => f.secret && (name === key || f.env === key))?.[1].env
    const refund = yield* withRefunds(target, (s) =>
      s.create(connector.id, {
        merchantRefundId: input.merchantRefundId,
        connectorTransactionId: payment,
        amount: { amount, currency },
        ...(Option.isSome(input.reason) ? { reason: input.reason.value } : {}),
        ...(Option.isSome(input.metadata) ? { metadata: input.metadata.value } : {})
      })).pipe(
        Effect.onInterrupt(() =>
          Effect.sync(() => {
            if (Progress.requestsSent() === 0) return
            const lookup = connector.capabilities.lookup
              ? `\nrefract: or look it up: refract refunds lookup --connector ${connector.id} --payment ${shellQuote(payment)} --merchant-refund-id ${shellQuote(input.merchantRefundId)}`
              : ""
            process.stderr.write(scrub(
              `\nrefract: interrupted after the create was sent: the refund may exist at ${connector.displayName}.\n` +
                `refract: resume safely (same --merchant-refund-id ${input.merchantRefundId}, same idempotency key: never a second refund):\n` +
                `  ${resumeCommand(process.argv.slice(2), secretEnv)}${lookup}\n`
            ))
          })
        )
      )
    yield* printRefund(refund, input.json)
  })
).pipe(
  Command.withDescription("Initiate a refund (idempotent per --merchant-refund-id)"),
  Command.withExamples([
    {
      command: "refract refunds create --connector stripe --payment ch_3Pq… --amount 1050 --currency USD --merchant-refund-id order-42-r1",
      description: "Refund 10.50 USD of a Stripe charge"
    }
  ])
)

const lookup = Command.make(
  "lookup",
  {
    merchantRefundId: Flag.String("merchant-refund-id").pipe(Flag.withDescription("Your id of the refund (the --merchant-refund-id it was created with)")),
    payment: Flag.String("payment").pipe(Flag.withDescription("The processor's id of the refunded payment")),
    ...connectionFlags
  },
  Effect.fn(function*(input) {
    const { connector } = yield* findConnector(input.connector)
    if (!connector.capabilities.lookup) {
      return yield* new UsageError({
        message: `${connector.displayName} cannot find a refund by merchant refund id; ` +
          `re-run 'refract refunds create' with the same --merchant-refund-id instead (same idempotency key, never a second refund)`
      })
    }
    const payment = yield* processorId("--payment", input.payment)
    const target = yield* resolve(flagsOf(input), process.env, { credentialFlags: true })
    const found = yield* withRefunds(target, (s) => s.lookup(connector.id, { merchantRefundId: input.merchantRefundId, connectorTransactionId: payment }))
    if (Option.isNone(found)) {
      const proves = connector.capabilities.lookupFindsPending
        ? "there is none"
        : `${connector.displayName} lists a refund only once processed, so a recent one may not show yet`
      return yield* new Failed({
        reason: "NotFound",
        message: `${connector.displayName} has no refund with merchant refund id ${input.merchantRefundId} for payment ${payment} (${proves})`
      })
    }
    yield* printRefund(found.value, input.json)
  })
).pipe(
  Command.withDescription("Find a refund by your --merchant-refund-id (where the processor can look refunds up)"),
  Command.withExamples([{
    command: "refract refunds lookup --connector stripe --payment pi_… --merchant-refund-id order-42-r1",
    description: "Did that create reach Stripe?"
  }])
)

const wait = Command.make(
  "wait",
  {
    id: Flag.String("id").pipe(Flag.withDescription("The processor's refund id")),
    timeout: Flag.String("timeout").pipe(Flag.withDescription("Give up after this long (e.g. 90s, 10m, 1h)"), Flag.withDefault("10m")),
    interval: Flag.String("interval").pipe(Flag.withDescription("First delay between reads (it grows x1.5 up to 15 s)"), Flag.withDefault("500ms")),
    ...connectionFlags
  },
  Effect.fn(function*(input) {
    const { connector } = yield* findConnector(input.connector)
    if (!connector.capabilities.get) {
      return yield* new UsageError({
        message: `${connector.displayName} has no refund-status endpoint to poll: its outcomes arrive by webhook (run 'refract serve' to receive them)`
      })
    }
    const id = yield* processorId("--id", input.id)
    const timeout = yield* durationFlag("--timeout", input.timeout)
    let delay = yield* durationFlag("--interval", input.interval)
    const target = yield* resolve(flagsOf(input), process.env, { credentialFlags: true })
    const refund = yield* withRefunds(target, (s) =>
      Effect.gen(function*() {
        const started = Date.now()
        let reads = 0
        let current: Refund.Refund | undefined
        while (true) {
          reads++
          const read = yield* Effect.result(s.get(connector.id, id, current))
          const elapsed = Date.now() - started
          if (Result.isSuccess(read)) {
            current = read.success
            if (RefundStatus.isSettled(current.status)) {
              Progress.progress(`${id}: ${statusLine(current)} after ${reads} read${reads > 1 ? "s" : ""} (${Math.round(elapsed / 100) / 10} s)`)
              return current
            }
          } else if (!read.failure.reason.isRetryable) return yield* read.failure
          const now = Result.isSuccess(read) ? statusLine(read.success) : `read failed (${read.failure.reason._tag}), will read again`
          if (elapsed + delay > timeout) {
            return yield* new Failed({
              reason: "RefundNotSettled",
              message: `${id} is not settled after ${Math.round(elapsed / 1000)} s (--timeout ${input.timeout}): last ${current === undefined ? "read failed" : statusLine(current)}`
            })
          }
          Progress.progress(`${id}: ${now}; next read in ${delay < 1000 ? `${delay} ms` : `${(delay / 1000).toFixed(1)} s`}`)
          yield* Effect.sleep(Duration.millis(delay))
          delay = Math.min(15_000, Math.round(delay * 1.5))
        }
      }))
    yield* printRefund(refund, input.json)
  })
).pipe(
  Command.withDescription("Poll a refund until it is settled (SUCCEEDED or FAILED), showing each read on stderr"),
  Command.withExamples([{ command: "refract refunds wait --connector stripe --id re_… --timeout 5m", description: "Block until Stripe settles the refund" }])
)

const list = Command.make(
  "list",
  {
    connector: Flag.String("connector").pipe(
      Flag.withAlias("c"),
      Flag.withDescription(`Only this connector's refunds (${Registry.ids.join(" | ")})`),
      Flag.optional
    ),
    databaseUrl: Flag.Redacted("database-url").pipe(
      Flag.withDescription("The PostgreSQL store `refract serve` writes (default: REFRACT_DATABASE_URL; schema REFRACT_DATABASE_SCHEMA)"),
      Flag.optional
    ),
    json: Flag.Boolean("json").pipe(Flag.withDescription("Print JSON instead of text"), Flag.withDefault(false))
  },
  Effect.fn(function*(input) {
    if (Option.isSome(input.connector) && Registry.find(input.connector.value) === undefined) {
      return yield* new UsageError({ message: `unknown connector ${JSON.stringify(input.connector.value)}; known connectors: ${Registry.ids.join(", ")}` })
    }
    // The store (and its PostgreSQL driver) is loaded only by this command.
    const StoreConfig = yield* Effect.promise(() => import("@refract/store-pg/StoreConfig"))
    const options: StoreConfig.Options = { ...(Option.isSome(input.databaseUrl) ? { url: input.databaseUrl.value } : {}), migrate: false }
    const choice = yield* StoreConfig.choice(options).pipe(Effect.mapError((e) => new UsageError({ message: `store configuration: ${e.message}` })))
    if (choice._tag === "Memory") {
      return yield* new UsageError({
        message: "refunds list reads the PostgreSQL store `refract serve` keeps: set REFRACT_DATABASE_URL or pass --database-url " +
          "(no processor lists refunds through the connector contract; an emulator's: refract control refunds)"
      })
    }
    const refunds = yield* Effect.gen(function*() {
      const store = yield* RefundStore.RefundStore
      return yield* store.listUnsettled(Option.getOrUndefined(input.connector))
    }).pipe(
      Effect.provide(StoreConfig.layer(options)),
      Effect.mapError((e) => new Failed({ reason: "StoreError", message: `refund store: ${e.message}` }))
    )
    if (input.json) return yield* Console.log(json(refunds.map(refundJson)))
    if (refunds.length === 0) return yield* Console.log("no unsettled refunds in the store")
    const now = Date.now()
    yield* Console.log(table(
      refunds.map((r) => [
        `${r.connector} ${r.connectorRefundId}`,
        [
          statusLine(r),
          amountText(r.amount),
          r.merchantRefundId === undefined ? undefined : `merchant refund id ${r.merchantRefundId}`,
          `created ${Math.max(0, Math.round((now - r.createdAt) / 60_000))} min ago`
        ].filter((x) => x !== undefined).join("  ")
      ] as const),
      ""
    ))
  })
).pipe(
  Command.withDescription("List the unsettled refunds `refract serve` is tracking (its PostgreSQL store)"),
  Command.withExamples([{ command: "REFRACT_DATABASE_URL=postgres://localhost/refract refract refunds list --connector stripe", description: "What is still pending" }])
)

export const refunds = Command.make("refunds").pipe(
  Command.withDescription("Create, read, look up, wait for, cancel and list refunds"),
  Command.withSubcommands([create, get, lookup, wait, cancel, list])
)
