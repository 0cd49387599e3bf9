/**
 * `refract refunds get|create`: one refund operation against a real processor or an emulator
 * (`--base-url`), through Refract's `RefundService`.
 */
import { Currency, Refund, RefundService } from "@refract/core"
import { Console, Effect, Option, Result, Schema } from "effect"
import { Command, Flag } from "effect/cli"
import * as Connectors from "../connectors.ts"
import { UsageError } from "../errors.ts"
import { json, refundJson, refundText } from "../format.ts"
import type { ConnectionFlags, Target } from "../target.ts"
import { findConnector, refundServiceLayer, resolve } from "../target.ts"

const connectionFlags = {
  connector: Flag.String("connector").pipe(
    Flag.withAlias("c"),
    Flag.withDescription(`Connector id (${Connectors.ids.join(" | ")})`)
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

/** Runs `f` with a RefundService that has exactly the target connector registered. */
const withRefunds = <A, E>(target: Target, f: (service: RefundService.Service) => Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    return yield* f(yield* RefundService.RefundService)
  }).pipe(Effect.provide(refundServiceLayer(target)))

const printRefund = (refund: Refund.Refund, asJson: boolean) => Console.log(asJson ? json(refundJson(refund)) : refundText(refund))

const flagsOf = (input: ConnectionFlags): ConnectionFlags => ({
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
    const target = yield* resolve(flagsOf(input), process.env)
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
    reason: Flag.Literals("reason", Refund.RefundReason.literals).pipe(
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
    const target = yield* resolve(flagsOf(input), process.env)
    const refund = yield* withRefunds(target, (s) =>
      s.create(connector.id, {
        merchantRefundId: input.merchantRefundId,
        connectorTransactionId: payment,
        amount: { amount, currency },
        ...(Option.isSome(input.reason) ? { reason: input.reason.value } : {}),
        ...(Option.isSome(input.metadata) ? { metadata: input.metadata.value } : {})
      }))
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

export const refunds = Command.make("refunds").pipe(
  Command.withDescription("Create refunds and read their status"),
  Command.withSubcommands([create, get])
)
