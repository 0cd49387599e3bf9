/**
 * End-to-end harness: the real webhook server (`NodeWebhookServer.layer` from @refract/node, what
 * `refract serve` runs) with the Stripe and Adyen
 * connectors pointed at the testkit emulators, over the PostgreSQL store in an isolated schema.
 * The emulators send real signed webhooks to the server over HTTP.
 */
import { Context, Effect, Layer, Option, Redacted } from "effect"
import type { Scope } from "effect"
import { FetchHttpClient } from "effect/http"
import { PgClient } from "@effect/sql-pg"
import { SqlClient } from "effect/sql"
import { ConnectorRegistry, RefundStore, RefundTracker } from "@refract/core"
import type { Refund } from "@refract/core"
import { AdyenConnector } from "@refract/adyen"
import { NodeWebhookServer } from "@refract/node"
import { StripeConnector } from "@refract/stripe"
import type { EmulatorHandle } from "@refract/testkit"
import { PgRefundStore } from "@refract/store-pg"
import * as TestDatabase from "../helpers/TestDatabase.ts"

export interface Server {
  readonly info: NodeWebhookServer.Info
  readonly store: RefundStore.Store
  readonly tracker: RefundTracker.Tracker
}

/** Registers both connectors against the emulators (credentials, base URL, webhook secrets). */
export const connectors = (stripe: EmulatorHandle, adyen: EmulatorHandle) =>
  Layer.mergeAll(
    StripeConnector.layer({
      apiKey: stripe.credentials["apiKey"]!,
      baseUrl: stripe.url,
      webhookSecret: stripe.webhookSecret,
      retry: { maxAttempts: 2 }
    }),
    AdyenConnector.layer({
      apiKey: adyen.credentials["apiKey"]!,
      merchantAccount: adyen.credentials["merchantAccount"]!,
      baseUrl: adyen.url,
      hmacKey: adyen.webhookSecret,
      retry: { maxAttempts: 2 }
    })
  ).pipe(Layer.provideMerge(ConnectorRegistry.ConnectorRegistry.layer), Layer.provideMerge(FetchHttpClient.layer))

/**
 * A fresh schema dropped when the enclosing scope closes. Returns a store layer over it: each call
 * opens its own connection pool, as separate server processes would.
 */
export const database = (label: string): Effect.Effect<() => Layer.Layer<RefundStore.RefundStore, RefundStore.StoreError>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const schema = TestDatabase.uniqueSchema(label)
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(TestDatabase.url) })), Effect.ignore)
    )
    return () => PgRefundStore.layerUrl(TestDatabase.url, { schema })
  })

/** Starts the webhook server in the current scope and points both emulators' webhooks at it. */
export const startServer = (
  stripe: EmulatorHandle,
  adyen: EmulatorHandle,
  store: Layer.Layer<RefundStore.RefundStore, RefundStore.StoreError>,
  tracker: RefundTracker.Options
): Effect.Effect<Server, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    const context = yield* Layer.build(
      NodeWebhookServer.layer({ port: 0, host: "127.0.0.1", store, tracker }).pipe(Layer.provide(connectors(stripe, adyen)))
    )
    const info = Context.get(context, NodeWebhookServer.NodeWebhookServer)
    stripe.setWebhookUrl(info.webhookUrl("stripe"))
    adyen.setWebhookUrl(info.webhookUrl("adyen"))
    return { info, store: Context.get(context, RefundStore.RefundStore), tracker: Context.get(context, RefundTracker.RefundTracker) }
  })

export const refundInput = (n: number | string, connectorTransactionId: string, amount = 1000, currency = "USD") => ({
  merchantRefundId: `order-${n}`,
  connectorTransactionId,
  amount: { amount, currency }
})

export const current = (server: Server, connector: string, id: string): Effect.Effect<Refund.Refund | undefined, RefundStore.StoreError> =>
  Effect.map(server.store.get({ connector, connectorRefundId: id }), Option.getOrUndefined)

export const history = (server: Server, connector: string, id: string) =>
  server.store.history({ connector, connectorRefundId: id })

/** Re-reads until `predicate` holds (the tracker and the emulators work in the background). */
export const eventually = <A, E, R>(
  read: Effect.Effect<A, E, R>,
  predicate: (a: A) => boolean,
  what: string,
  timeoutMillis = 10_000
): Effect.Effect<A, E | Error, R> =>
  Effect.gen(function*() {
    const deadline = Date.now() + timeoutMillis
    while (true) {
      const value = yield* read
      if (predicate(value)) return value
      if (Date.now() > deadline) return yield* Effect.fail(new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`))
      yield* Effect.sleep(20)
    }
  })

/** POSTs a delivery to the server exactly as given. */
export const post = (url: string, delivery: { readonly headers: Readonly<Record<string, string>>; readonly body: string }) =>
  Effect.promise(async () => {
    const headers = Object.fromEntries(Object.entries(delivery.headers).filter(([k]) => k.toLowerCase() !== "content-length"))
    const response = await fetch(url, { method: "POST", headers, body: delivery.body })
    return { status: response.status, body: await response.text() }
  })
