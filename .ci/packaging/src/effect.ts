/**
 * An Effect program on the Effect API (layers and services) against the Stripe emulator.
 * The HTTP client is effect's FetchHttpClient (every supported Node); with REFRACT_HTTP_CLIENT=undici
 * it is @refract/node's NodeHttp.layer() (Node >= 22.19 only), whose client must carry its direct
 * exchange (undici loaded from the installed package).
 */
import { DirectExchange, RefundService } from "@refract/core"
import { StripeConnector } from "@refract/stripe"
import { StripeEmulator } from "@refract/testkit"
import { Effect, Layer } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"
import { check, deadline } from "./check.js"

deadline(60_000, "effect")
const useUndici = process.env["REFRACT_HTTP_CLIENT"] === "undici"
console.log(`effect (Node ${process.version}, ${useUndici ? "NodeHttp from @refract/node" : "FetchHttpClient"})`)

const httpClient: Layer.Layer<HttpClient.HttpClient> = useUndici
  ? (await import("@refract/node")).NodeHttp.layer()
  : FetchHttpClient.layer

if (useUndici) {
  const direct = await Effect.runPromise(Effect.scoped(Effect.map(
    Effect.service(HttpClient.HttpClient).pipe(Effect.provide(httpClient)),
    (client) => DirectExchange.of(client) !== undefined
  )))
  check(direct, "NodeHttp's client carries its direct exchange")
}

const program = Effect.gen(function*() {
  const emulator = yield* StripeEmulator.Service
  const payment = yield* Effect.promise(() => emulator.createPayment({ amount: 4000, currency: "eur" }))
  const refunds = yield* RefundService.RefundService
  const refund = yield* refunds.create("stripe", {
    merchantRefundId: "packaging-effect-1",
    connectorTransactionId: payment,
    amount: { amount: 1500, currency: "EUR" }
  })
  check(refund.simpleStatus === "PENDING", `RefundService.create → PENDING (${refund.connectorRefundId})`)
  const read = yield* refunds.get("stripe", refund.connectorRefundId)
  check(read.connectorRefundId === refund.connectorRefundId, "RefundService.get reads it back")
  const settled = yield* refunds.pollUntilSettled("stripe", refund, { deadline: "20 seconds" })
  check(settled.simpleStatus === "SUCCEEDED", `pollUntilSettled → SUCCEEDED (${settled.simpleStatus})`)
  const missing = yield* Effect.flip(refunds.get("stripe", "re_doesnotexist"))
  check(missing.reason._tag === "NotFound", `a typed RefundError with reason NotFound (${missing.reason._tag})`)
})

// The connector layer reads its options from the emulator service, the way an app reads its config.
const StripeLive = Layer.unwrap(Effect.gen(function*() {
  const emulator = yield* StripeEmulator.Service
  return StripeConnector.layer({ apiKey: emulator.credentials["apiKey"]!, baseUrl: emulator.url })
}))

const Live = RefundService.layer(StripeLive).pipe(
  Layer.provide(httpClient),
  Layer.provideMerge(StripeEmulator.layer({ settleAfterMillis: 300 }))
)

await Effect.runPromise(program.pipe(Effect.provide(Live)))
console.log("effect: passed")
