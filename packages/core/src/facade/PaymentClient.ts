/**
 * A Promise API for applications that do not use Effect.
 *
 *   import { PaymentClient, RefundError } from "@refract/core"
 *   import { stripe } from "@refract/stripe"
 *
 *   const client = new PaymentClient({ connector: stripe, apiKey: process.env.STRIPE_API_KEY, environment: "sandbox" })
 *   const refund = await client.refund({ merchantRefundId: "order-42-r1", connectorTransactionId: "ch_...",
 *                                       amount: { amount: 1050, currency: "USD" } })
 *   const latest = await client.refunds.get(refund.connectorRefundId)
 *   const cancelled = await client.refunds.cancel(refund.connectorRefundId)   // where the processor allows it
 *
 * Connectors are values: pass one, or register it once (`PaymentClient.register(stripe)`) and name
 * it by id (`connector: "stripe"`). Nothing is looked up by naming convention, so the facade works
 * the same bundled or not.
 *
 * Every rejection is a {@link PaymentClientError}: a `RefundError`, or a `RefundNotSettled` from
 * `waitUntilSettled`. Both are classes (`instanceof` works) and both have `reason._tag`, so one
 * `switch (error.reason._tag)` covers everything ("RateLimited", "OutcomeUnknown", "NotSettled", ...).
 */
import { Cause, Duration, Effect, Exit, Layer, ManagedRuntime, Option, type Redacted, Schedule } from "effect"
import { FetchHttpClient } from "effect/http"
import type { HttpClient } from "effect/http"
import type { ConnectorOptions } from "../connector/BoundConnector.ts"
import type { Connector } from "../connector/Connector.ts"
import type { CredentialField } from "../connector/Credentials.ts"
import { Configuration, RefundError, UnexpectedResponse } from "../error/RefundError.ts"
import type { Operation } from "../error/RefundError.ts"
import type { Refund } from "../refund/Refund.ts"
import { ConnectorRegistry, register } from "../service/ConnectorRegistry.ts"
import type { CreateRefundInput, RecoverOptions, ReferenceInput } from "../service/RefundClient.ts"
import { RefundNotSettled } from "../service/RefundClient.ts"
import { RefundService } from "../service/RefundService.ts"

export type EnvironmentName = "sandbox" | "production" | "SANDBOX" | "PRODUCTION"

/** What every `PaymentClient` promise rejects with; `error.reason._tag` says what happened. */
export type PaymentClientError = RefundError | RefundNotSettled

/** True for a {@link PaymentClientError} (narrows `unknown` in a `catch`). */
export const isPaymentClientError = (error: unknown): error is PaymentClientError =>
  error instanceof RefundError || error instanceof RefundNotSettled

export interface PaymentClientOptions {
  /**
   * The connector value (`import { stripe } from "@refract/stripe"`), or the id of one registered
   * with `PaymentClient.register`.
   */
  readonly connector: string | Connector
  /** Shorthand for the connector's main secret: `apiKey`, or its only required secret (Square `accessToken`). */
  readonly apiKey?: string | Redacted.Redacted<string> | undefined
  /** Every credential field by name (see the connector's docs), e.g. Adyen's `merchantAccount`. */
  readonly credentials?: Readonly<Record<string, string | Redacted.Redacted<string> | undefined>> | undefined
  /** Defaults to sandbox. */
  readonly environment?: EnvironmentName | undefined
  /** Overrides the environment's base URL (an emulator, a proxy). */
  readonly baseUrl?: string | undefined
  readonly webhookSecrets?: ConnectorOptions["webhookSecrets"]
  readonly timeouts?: ConnectorOptions["timeouts"]
  readonly retry?: ConnectorOptions["retry"]
  /**
   * The HTTP client processor calls go through. Default: `FetchHttpClient.layer` (any runtime). On
   * Node, `PaymentClient` from `@refract/node` sets `NodeHttp.layer()`, an undici pool that is
   * several times faster per call (see packages/bench).
   */
  readonly httpClient?: Layer.Layer<HttpClient.HttpClient> | undefined
}

export interface WaitOptions {
  /** Give up after this many milliseconds (default 10 minutes). */
  readonly deadlineMillis?: number | undefined
  /** First delay between reads (default 500 ms, growing x1.5 up to 15 s). */
  readonly intervalMillis?: number | undefined
}

const connectorIdPattern = /^[a-z][a-z0-9-]{0,31}$/

/** Connectors named by id, filled by `PaymentClient.register` (explicitly: no lookup by naming convention). */
const registry = new Map<string, Connector>()

const configurationError = (id: string, message: string) =>
  new RefundError({ connector: id, operation: "configure", reason: new Configuration({ message }) })

const resolveConnector = (id: string): Connector | RefundError => {
  if (!connectorIdPattern.test(id)) {
    return configurationError(id, `malformed connector id ${JSON.stringify(id)}: expected lower-case letters, digits and dashes`)
  }
  const found = registry.get(id)
  if (found !== undefined) return found
  const known = [...registry.keys()].toSorted()
  return configurationError(
    id,
    `unknown connector "${id}" (registered: ${known.length > 0 ? known.join(", ") : "none"}). Pass the connector value, ` +
      `e.g. import { ${id} } from "@refract/${id}" and new PaymentClient({ connector: ${id}, ... }), ` +
      `or register it once with PaymentClient.register(${id}) before naming it by id`
  )
}

/**
 * Which credential `apiKey` fills: the field named `apiKey`, else the connector's only required secret
 * (Square's `accessToken`, Checkout.com's `secretKey`). Connectors with several secrets need `credentials`.
 */
const apiKeyField = (connector: Connector): string => {
  const fields = Object.entries(connector.credentials as Record<string, CredentialField>)
  if (fields.some(([name]) => name === "apiKey")) return "apiKey"
  const secrets = fields.filter(([, f]) => f.secret && !f.optional)
  return secrets.length === 1 ? secrets[0]![0] : "apiKey"
}

interface Running {
  readonly runtime: ManagedRuntime.ManagedRuntime<RefundService, RefundError>
  readonly service: RefundService["Service"]
}

export class PaymentClient {
  /**
   * Makes connectors available by id: `PaymentClient.register(stripe)`, then
   * `new PaymentClient({ connector: "stripe", ... })`. Registering the same id again replaces it.
   */
  static register(...connectors: ReadonlyArray<Connector>): void {
    for (const connector of connectors) {
      if (!connectorIdPattern.test(connector.id)) throw configurationError(connector.id, `malformed connector id ${JSON.stringify(connector.id)}`)
      registry.set(connector.id, connector)
    }
  }

  /** The ids registered with {@link PaymentClient.register}, sorted. */
  static registered(): ReadonlyArray<string> {
    return [...registry.keys()].toSorted()
  }

  readonly #options: PaymentClientOptions
  #runtime: Promise<Running> | undefined
  #closed = false
  readonly connectorId: string

  constructor(options: PaymentClientOptions) {
    this.#options = options
    this.connectorId = typeof options.connector === "string" ? options.connector : options.connector.id
  }

  #getRuntime(): Promise<Running> {
    this.#runtime ??= (async () => {
      const o = this.#options
      const connector = typeof o.connector === "string" ? resolveConnector(o.connector) : o.connector
      if (connector instanceof RefundError) throw connector
      const environment = o.environment?.toLowerCase() as "sandbox" | "production" | undefined
      const credentials = { ...o.credentials, ...(o.apiKey !== undefined ? { [apiKeyField(connector)]: o.apiKey } : {}) }
      const layer = RefundService.layer.pipe(
        Layer.provideMerge(register(connector, {
          credentials,
          environment,
          baseUrl: o.baseUrl,
          webhookSecrets: o.webhookSecrets,
          timeouts: o.timeouts,
          retry: o.retry
        })),
        Layer.provide(ConnectorRegistry.layer),
        Layer.provide(o.httpClient ?? FetchHttpClient.layer)
      )
      const runtime = ManagedRuntime.make(layer as Layer.Layer<RefundService, RefundError>)
      // Surface configuration errors (missing key, bad base URL) on first use, as a RefundError.
      const exit = await runtime.runPromiseExit(Effect.service(RefundService))
      if (Exit.isFailure(exit)) {
        await runtime.dispose()
        throw this.#toError(exit.cause, "configure")
      }
      return { runtime, service: exit.value }
    })()
    return this.#runtime
  }

  /** The typed error of a failure; a defect or an interruption becomes a RefundError too, so `reason._tag` is always there. */
  #toError(cause: Cause.Cause<unknown>, operation: Operation): PaymentClientError {
    const error = Option.getOrUndefined(Cause.findErrorOption(cause))
    if (isPaymentClientError(error)) return error
    return new RefundError({
      connector: this.connectorId,
      operation,
      reason: new UnexpectedResponse({
        message: Cause.hasInterruptsOnly(cause) ? "the operation was interrupted" : `unexpected failure inside Refract: ${String(Cause.squash(cause))}`
      })
    })
  }

  async #run<A>(
    operation: Operation,
    f: (service: RefundService["Service"]) => Effect.Effect<A, RefundError | RefundNotSettled>
  ): Promise<A> {
    if (this.#closed) throw configurationError(this.connectorId, "this PaymentClient is closed")
    // One runtime and one service for the client's life: a call runs one effect, nothing is built per call.
    const { runtime, service } = await this.#getRuntime()
    const exit = await runtime.runPromiseExit(f(service))
    if (Exit.isSuccess(exit)) return exit.value
    throw this.#toError(exit.cause, operation)
  }

  /**
   * Initiates a refund; resolves with it (usually PENDING). Leave `amount` out for a full refund where
   * the connector allows it (`connector.capabilities.fullRefundWithoutAmount`); pass `idempotencyKey`
   * to use your own key instead of the one derived from `merchantRefundId`.
   */
  refund(input: CreateRefundInput): Promise<Refund> {
    return this.#run("create", (s) => s.create(this.connectorId, input))
  }

  readonly refunds = {
    create: (input: CreateRefundInput): Promise<Refund> => this.refund(input),
    /** Retrieves a refund's current status by its processor id (or full reference). */
    get: (reference: ReferenceInput, previous?: Refund): Promise<Refund> =>
      this.#run("get", (s) => s.get(this.connectorId, reference, previous)),
    /** Finds a refund by merchant refund id; undefined when the processor has none. */
    lookup: (input: { merchantRefundId: string; connectorTransactionId: string }): Promise<Refund | undefined> =>
      this.#run("lookup", (s) => Effect.map(s.lookup(this.connectorId, input), Option.getOrUndefined)),
    /**
     * Cancels a refund the processor still holds (Stripe: only `requires_action` refunds) and resolves
     * with it as the processor answers (CANCELLED). Connectors that cannot cancel reject with
     * `Unsupported` before anything is sent (`connector.capabilities.cancelRefund`).
     */
    cancel: (reference: ReferenceInput, previous?: Refund): Promise<Refund> =>
      this.#run("cancel", (s) => s.cancel(this.connectorId, reference, previous)),
    /**
     * After an OutcomeUnknown: finds or safely replays the refund (same idempotency key: pass the same
     * input, `idempotencyKey` included), within the processor's key window. In another process, pass
     * the error's `firstAttemptAt`.
     */
    recover: (input: CreateRefundInput, options?: RecoverOptions): Promise<Refund> =>
      this.#run("create", (s) => s.recover(this.connectorId, input, options)),
    /**
     * Polls until the refund is settled. Past the deadline it rejects with `RefundNotSettled`, whose
     * `reason` is `NotSettled` with the last refund read (`error.reason.lastKnown`).
     */
    waitUntilSettled: (reference: ReferenceInput | Refund, options?: WaitOptions): Promise<Refund> =>
      this.#run("get", (s) =>
        s.pollUntilSettled(this.connectorId, reference, {
          deadline: Duration.millis(options?.deadlineMillis ?? 600_000),
          ...(options?.intervalMillis !== undefined
            ? {
              schedule: Schedule.min([
                Schedule.exponential(Duration.millis(options.intervalMillis), 1.5).pipe(Schedule.jittered),
                Schedule.spaced("15 seconds")
              ])
            }
            : {})
        }))
  }

  /** Releases the client's resources; later calls reject with a Configuration error. */
  async close(): Promise<void> {
    this.#closed = true
    if (this.#runtime !== undefined) await (await this.#runtime.catch(() => undefined))?.runtime.dispose()
  }
}
