/**
 * The examples of the root README and @refract/core's README, as a user's file: typechecked against
 * the tarballs, never run (they would call the real Stripe). Keep them in step with the READMEs.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { PaymentClient, RefundError, RefundService } from "@refract/core"
import { connector as stripe, StripeConnector } from "@refract/stripe"
import { Effect, Layer } from "effect"
import { FetchHttpClient } from "effect/http"

// README.md, "Use it"
export const rootEffect = () => {
  const program = Effect.gen(function*() {
    const refunds = yield* RefundService.RefundService
    const refund = yield* refunds.create("stripe", {
      merchantRefundId: "order-1042-r1",
      connectorTransactionId: "ch_3Pq...",
      amount: { amount: 1050, currency: "USD" }
    })
    return yield* refunds.pollUntilSettled("stripe", refund, { deadline: "10 minutes" })
  }).pipe(
    Effect.catchReason("RefundError", "RateLimited", (r) => Effect.die(`slow down: ${r.retryAfterMillis} ms`))
  )
  const Live = RefundService.layer(StripeConnector.layerConfig()).pipe(Layer.provide(NodeHttpClient.layerUndici))
  return program.pipe(Effect.provide(Live))
}

export const rootPromise = async () => {
  const client = new PaymentClient({ connector: stripe, apiKey: process.env["STRIPE_API_KEY"], environment: "sandbox" })
  try {
    const refund = await client.refund({ merchantRefundId: "order-1042-r1", connectorTransactionId: "ch_3PqAbc", amount: { amount: 1050, currency: "USD" } })
    const latest = await client.refunds.get(refund.connectorRefundId)
    console.log(latest.simpleStatus)
  } catch (error) {
    if (error instanceof RefundError && error.reason._tag === "RateLimited") console.log("slow down")
    else throw error
  }
}

// README.md, registering a connector to name it by id
export const rootRegistered = () => {
  PaymentClient.register(stripe)
  return new PaymentClient({ connector: "stripe", apiKey: process.env["STRIPE_API_KEY"] })
}

// packages/core/README.md
export const corePromise = async () => {
  const client = new PaymentClient({ connector: stripe, apiKey: process.env["STRIPE_API_KEY"], environment: "sandbox" })
  const refund = await client.refund({
    merchantRefundId: "order-1042-r1",
    connectorTransactionId: "pi_3Pq…",
    amount: { amount: 1050, currency: "USD" }
  })
  const latest = await client.refunds.get(refund.connectorRefundId)
  console.log(latest.simpleStatus)
  await client.close()
}

export const coreEffect = () => {
  const program = Effect.gen(function*() {
    const refunds = yield* RefundService.RefundService
    const refund = yield* refunds.create("stripe", {
      merchantRefundId: "order-1042-r1",
      connectorTransactionId: "pi_3Pq…",
      amount: { amount: 1050, currency: "USD" }
    })
    return yield* refunds.pollUntilSettled("stripe", refund, { deadline: "10 minutes" })
  })
  const Live = RefundService.layer(StripeConnector.layerConfig()).pipe(Layer.provide(FetchHttpClient.layer))
  return Effect.runPromise(program.pipe(Effect.provide(Live)))
}
