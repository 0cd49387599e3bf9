/**
 * A Promise API for applications that do not use Effect.
 *
 *   const client = new PaymentClient({ connector: "stripe", apiKey: process.env.STRIPE_API_KEY, environment: "sandbox" })
 *   const refund = await client.refund({ merchantRefundId: "order-42-r1", connectorTransactionId: "ch_...",
 *                                       amount: { amount: 1050, currency: "USD" } })
 *   const latest = await client.refunds.get(refund.connectorRefundId)
 *
 * Failures reject with `RefundError` (an `Error` with a typed `reason`), so `err.reason._tag`
 * tells "RateLimited" from "OutcomeUnknown" without parsing messages. The connector package must
 * be installed (`@refract/stripe`); it is found by id, or can be passed as a value.
 */
import { createRequire } from "node:module"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { Duration, Effect, Layer, ManagedRuntime, Option, type Redacted, Schedule } from "effect"
import { FetchHttpClient } from "effect/http"
import type { ConnectorOptions } from "../connector/BoundConnector.ts"
import type { Connector } from "../connector/Connector.ts"
import type { CredentialField } from "../connector/Credentials.ts"
import { Configuration, RefundError } from "../error/RefundError.ts"
import type { Refund } from "../refund/Refund.ts"
import { ConnectorRegistry, register } from "../service/ConnectorRegistry.ts"
import type { CreateRefundInput, RecoverOptions, ReferenceInput, RefundNotSettled } from "../service/RefundClient.ts"
import { RefundService } from "../service/RefundService.ts"

export type EnvironmentName = "sandbox" | "production" | "SANDBOX" | "PRODUCTION"

export interface PaymentClientOptions {
  /** A connector id ("stripe") of an installed `@refract/<id>` package, or the connector value itself. */
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
}

export interface WaitOptions {
  /** Give up after this many milliseconds (default 10 minutes). */
  readonly deadlineMillis?: number | undefined
  /** First delay between reads (default 500 ms, growing x1.5 up to 15 s). */
  readonly intervalMillis?: number | undefined
}

const connectorIdPattern = /^[a-z][a-z0-9-]{0,31}$/

/** Finds an installed connector package by id, from the application's point of view. */
const loadConnector = async (id: string): Promise<Connector> => {
  const fail = (message: string) =>
    new RefundError({ connector: id, operation: "configure", reason: new Configuration({ message }) })
  if (!connectorIdPattern.test(id)) throw fail(`malformed connector id ${JSON.stringify(id)}`)
  const specifier = `@refract/${id}`
  // From this module first (npm's flat layout), then from the application's own root (pnpm).
  const attempts: Array<() => Promise<unknown>> = [
    async () => import(specifier),
    async () => import(pathToFileURL(createRequire(join(process.cwd(), "package.json")).resolve(specifier)).href)
  ]
  for (const attempt of attempts) {
    const module = (await attempt().catch(() => undefined)) as { connector?: Connector } | undefined
    if (module?.connector?.id === id) return module.connector
  }
  throw fail(`unknown connector "${id}": install ${specifier} (npm install ${specifier}) or pass the connector value`)
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

export class PaymentClient {
  readonly #options: PaymentClientOptions
  #runtime: Promise<ManagedRuntime.ManagedRuntime<RefundService, RefundError>> | undefined
  readonly connectorId: string

  constructor(options: PaymentClientOptions) {
    this.#options = options
    this.connectorId = typeof options.connector === "string" ? options.connector : options.connector.id
  }

  #getRuntime(): Promise<ManagedRuntime.ManagedRuntime<RefundService, RefundError>> {
    this.#runtime ??= (async () => {
      const o = this.#options
      const connector = typeof o.connector === "string" ? await loadConnector(o.connector) : o.connector
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
        Layer.provide(FetchHttpClient.layer)
      )
      const runtime = ManagedRuntime.make(layer as Layer.Layer<RefundService, RefundError>)
      // Surface configuration errors (missing key, bad base URL) on first use, as a RefundError.
      await runtime.runPromise(Effect.void)
      return runtime
    })()
    return this.#runtime
  }

  async #run<A>(f: (service: RefundService["Service"]) => Effect.Effect<A, RefundError | RefundNotSettled>): Promise<A> {
    const runtime = await this.#getRuntime()
    return runtime.runPromise(Effect.gen(function*() {
      return yield* f(yield* RefundService)
    }))
  }

  /** Initiates a refund; resolves with it (usually PENDING), rejects with a RefundError. */
  refund(input: CreateRefundInput): Promise<Refund> {
    return this.#run((s) => s.create(this.connectorId, input))
  }

  readonly refunds = {
    create: (input: CreateRefundInput): Promise<Refund> => this.refund(input),
    /** Retrieves a refund's current status by its processor id (or full reference). */
    get: (reference: ReferenceInput, previous?: Refund): Promise<Refund> =>
      this.#run((s) => s.get(this.connectorId, reference, previous)),
    /** Finds a refund by merchant refund id; undefined when the processor has none. */
    lookup: (input: { merchantRefundId: string; connectorTransactionId: string }): Promise<Refund | undefined> =>
      this.#run((s) => Effect.map(s.lookup(this.connectorId, input), Option.getOrUndefined)),
    /**
     * After an OutcomeUnknown: finds or safely replays the refund (same idempotency key), within the
     * processor's key window. In another process, pass the error's `firstAttemptAt`.
     */
    recover: (input: CreateRefundInput, options?: RecoverOptions): Promise<Refund> =>
      this.#run((s) => s.recover(this.connectorId, input, options)),
    /** Polls until the refund is settled; rejects with RefundNotSettled past the deadline. */
    waitUntilSettled: (reference: ReferenceInput | Refund, options?: WaitOptions): Promise<Refund> =>
      this.#run((s) =>
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
        })
      )
  }

  /** Releases the client's resources. */
  async close(): Promise<void> {
    if (this.#runtime !== undefined) await (await this.#runtime.catch(() => undefined))?.dispose()
  }
}
