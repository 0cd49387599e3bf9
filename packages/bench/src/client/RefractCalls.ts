/**
 * Refract's two contenders, bundled to `dist/refract-calls.js` for the bench (see `Contender.ts`):
 * the Effect API (`RefundService` on one runtime, `NodeHttp` by default) and the Promise API
 * (`PaymentClient` from @refract/node). Each call is what an application does per refund.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { RefundService } from "@refract/core"
import { NodeHttp, PaymentClient } from "@refract/node"
import { StripeConnector, stripe } from "@refract/stripe"
import { Effect, Layer, ManagedRuntime } from "effect"
import { FetchHttpClient } from "effect/http"

export interface Calls {
  readonly get: (id: string) => Promise<unknown>
  readonly create: (n: number) => Promise<unknown>
  readonly close: () => Promise<void>
}

interface Fixture {
  readonly apiKey: string
  readonly connectorTransactionId: string
}

/** `transport`: undefined for NodeHttp (the default on Node), "fetch" or "undici" (NodeHttpClient.layerUndici) to compare. */
export const refractEffect = async (base: string, transport: string | undefined, fixture: Fixture): Promise<Calls> => {
  const http = transport === "fetch" ? FetchHttpClient.layer : transport === "undici" ? NodeHttpClient.layerUndici : NodeHttp.layer()
  const layer = RefundService.layer(StripeConnector.layer({ apiKey: fixture.apiKey, baseUrl: base }))
  const runtime = ManagedRuntime.make(layer.pipe(Layer.provide(http)) as Layer.Layer<RefundService.RefundService>)
  const service = await runtime.runPromise(Effect.service(RefundService.RefundService))
  return {
    get: (id) => runtime.runPromise(service.get("stripe", id)),
    create: (n) =>
      runtime.runPromise(service.create("stripe", {
        merchantRefundId: `order-${n}`,
        connectorTransactionId: fixture.connectorTransactionId,
        amount: { amount: 1050, currency: "USD" }
      })),
    close: () => runtime.dispose()
  }
}

export const refractPromise = async (base: string, fixture: Fixture): Promise<Calls> => {
  const client = new PaymentClient({ connector: stripe, apiKey: fixture.apiKey, baseUrl: base })
  return {
    get: (id) => client.refunds.get(id),
    create: (n) =>
      client.refund({ merchantRefundId: `order-${n}`, connectorTransactionId: fixture.connectorTransactionId, amount: { amount: 1050, currency: "USD" } }),
    close: () => client.close()
  }
}
