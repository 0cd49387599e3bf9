/**
 * The Promise API on the cluster: refunds created through it are tracked by durable workflows on
 * the runners (`refract serve --cluster`), so the process that created them may exit at once.
 *
 *   import { ClusterPaymentClient } from "@refract/cluster"
 *   import { stripe } from "@refract/stripe"
 *
 *   const client = new ClusterPaymentClient({
 *     connector: stripe,
 *     apiKey: process.env.STRIPE_API_KEY,
 *     databaseUrl: process.env.REFRACT_DATABASE_URL!   // the runners' PostgreSQL
 *   })
 *   const refund = await client.refunds.create({ merchantRefundId: "order-1042-r1", connectorTransactionId: "pi_…", amount: { amount: 1050, currency: "EUR" } })
 *   const now = await client.refunds.status("order-1042-r1")   // from the store the workflows keep
 *   await client.close()
 *
 * This process is a client-only member of the cluster: it starts workflows and reads the store, it
 * runs none. Errors are the core's `RefundError` (and `RefundStore.StoreError` for the database), as
 * with `PaymentClient`.
 */
import { Cause, Effect, Exit, Layer, ManagedRuntime, Option, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import type { HttpClient } from "effect/http"
import { ConnectorRegistry, RefundError, RefundStore, RefundTracker } from "@refract/core"
import type { Connector, PaymentClientOptions, Refund, RefundClient } from "@refract/core"
import * as ClusterRunner from "./ClusterRunner.ts"

export interface ClusterPaymentClientOptions extends Omit<PaymentClientOptions, "connector"> {
  readonly connector: Connector.Connector
  /** The PostgreSQL the runners share. */
  readonly databaseUrl: string | Redacted.Redacted<string>
  /** The refund store's schema there. Default "public". */
  readonly schema?: string | undefined
  /** How long `create` waits for the workflow's answer. Default 2 minutes. */
  readonly createTimeoutMillis?: number | undefined
}

type Services = RefundTracker.RefundTracker | RefundStore.RefundStore

export class ClusterPaymentClient {
  readonly connectorId: string
  readonly #runtime: ManagedRuntime.ManagedRuntime<Services, unknown>
  #closed = false

  constructor(options: ClusterPaymentClientOptions) {
    this.connectorId = options.connector.id
    const credentials = { ...options.credentials, ...(options.apiKey !== undefined ? { apiKey: options.apiKey } : {}) }
    const connectors = ConnectorRegistry.register(options.connector, {
      credentials,
      environment: options.environment?.toLowerCase() as "sandbox" | "production" | undefined,
      baseUrl: options.baseUrl,
      webhookSecrets: options.webhookSecrets,
      timeouts: options.timeouts,
      retry: options.retry
    }).pipe(Layer.provideMerge(ConnectorRegistry.ConnectorRegistry.layer))
    const pg = ClusterRunner.layerPostgres({
      url: options.databaseUrl,
      schema: options.schema,
      runner: "client",
      createTimeout: options.createTimeoutMillis === undefined ? undefined : `${options.createTimeoutMillis} millis`,
      maxConnections: 4
    })
    const layer = Layer.merge(pg.tracking, pg.store).pipe(
      Layer.provideMerge(pg.store),
      Layer.provideMerge(connectors),
      Layer.provide((options.httpClient ?? FetchHttpClient.layer) as Layer.Layer<HttpClient.HttpClient>)
    )
    this.#runtime = ManagedRuntime.make(layer as Layer.Layer<Services, unknown>)
  }

  async #run<A>(operation: RefundError["operation"], effect: Effect.Effect<A, unknown, Services>): Promise<A> {
    if (this.#closed) throw this.#error(operation, "this ClusterPaymentClient is closed")
    const exit = await this.#runtime.runPromiseExit(effect)
    if (Exit.isSuccess(exit)) return exit.value
    const error = Option.getOrUndefined(Cause.findErrorOption(exit.cause))
    if (error instanceof RefundError || error instanceof RefundStore.StoreError) throw error
    throw this.#error(operation, Cause.hasInterruptsOnly(exit.cause) ? "the operation was interrupted" : `unexpected failure: ${String(Cause.squash(exit.cause))}`)
  }

  #error(operation: RefundError["operation"], message: string) {
    return new RefundError({ connector: this.connectorId, operation, reason: new RefundError.UnexpectedResponse({ message }) })
  }

  readonly refunds = {
    /**
     * Creates the refund through its tracking workflow and resolves with it (usually PENDING). The
     * workflow keeps tracking it to its final state; a repeated create of the same input returns the
     * same refund.
     */
    create: (input: RefundClient.CreateRefundInput): Promise<Refund.Refund> =>
      this.#run("create", Effect.flatMap(Effect.service(RefundTracker.RefundTracker), (t) => t.create(this.connectorId, input))),
    /** The refund as the store has it now (the workflows keep it up to date), by merchant refund id. */
    status: (merchantRefundId: string): Promise<Refund.Refund | undefined> =>
      this.#run(
        "get",
        Effect.flatMap(Effect.service(RefundStore.RefundStore), (s) => s.getByMerchantRefundId(merchantRefundId, this.connectorId)).pipe(
          Effect.map(Option.getOrUndefined)
        )
      ),
    /** Every observation of a refund (creates, polls, webhooks, reconciliations), oldest first. */
    history: (connectorRefundId: string): Promise<ReadonlyArray<RefundStore.HistoryEntry>> =>
      this.#run("get", Effect.flatMap(Effect.service(RefundStore.RefundStore), (s) => s.history({ connector: this.connectorId, connectorRefundId })))
  }

  /** Releases the connection pool; later calls reject. */
  async close(): Promise<void> {
    this.#closed = true
    await this.#runtime.dispose()
  }
}
