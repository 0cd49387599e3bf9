/**
 * An HttpClient whose answers a test scripts, recording every request it receives.
 */
import { Effect, Layer } from "effect"
import { HttpClient, HttpClientError, HttpClientRequest, HttpClientResponse } from "effect/http"

export interface Recorded {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

export type Answer =
  | { readonly status: number; readonly body?: unknown; readonly headers?: Record<string, string> }
  | { readonly transport: "refused" | "reset" }
  | { readonly hang: true }

export interface Script {
  readonly requests: Array<Recorded>
  readonly layer: Layer.Layer<HttpClient.HttpClient>
}

const bodyText = (request: HttpClientRequest.HttpClientRequest): string => {
  const body = request.body
  if (body._tag === "Uint8Array") return new TextDecoder().decode(body.body)
  return ""
}

/** `answer` is called for each request, with the request and its 0-based index. */
export const make = (answer: (request: Recorded, index: number) => Answer | Effect.Effect<Answer>): Script => {
  const requests: Array<Recorded> = []
  const client = HttpClient.make((request, url) =>
    Effect.gen(function*() {
      const recorded: Recorded = {
        method: request.method,
        url: url.toString(),
        headers: request.headers as Record<string, string>,
        body: bodyText(request)
      }
      const index = requests.length
      requests.push(recorded)
      const a = answer(recorded, index)
      const resolved = Effect.isEffect(a) ? yield* a : a
      if ("hang" in resolved) return yield* Effect.never
      if ("transport" in resolved) {
        const cause = Object.assign(new Error(resolved.transport), { code: resolved.transport === "refused" ? "ECONNREFUSED" : "ECONNRESET" })
        return yield* Effect.fail(
          new HttpClientError.HttpClientError({ reason: new HttpClientError.TransportError({ request, cause, description: resolved.transport }) })
        )
      }
      const text = resolved.body === undefined ? "" : typeof resolved.body === "string" ? resolved.body : JSON.stringify(resolved.body)
      return HttpClientResponse.fromWeb(request, new Response(text, { status: resolved.status, headers: resolved.headers ?? {} }))
    })
  )
  return { requests, layer: Layer.succeed(HttpClient.HttpClient, client) }
}

export const refundBody = (over: Partial<{ id: string; status: string; amount: number; currency: string; payment: string; merchant_refund_id: string; updated: number }> = {}) => ({
  id: "rf_1",
  status: "pending",
  amount: 1050,
  currency: "USD",
  payment: "pay_1",
  merchant_refund_id: "order-1",
  ...over
})
