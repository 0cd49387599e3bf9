/**
 * Test helpers: fixture loading, a scripted HttpClient that records requests, and core inputs.
 */
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Credentials, RefundClient } from "@refract/core"
import type { Connector, Refund } from "@refract/core"
import { Effect, Layer, Result } from "effect"
import { HttpClient, HttpClientRequest, HttpClientResponse } from "effect/http"
import { connector } from "@refract/razorpay"
import type { RazorpayConnector } from "@refract/razorpay"

export const keyId = "rzp_test_1DP5mmOlF5G5ag"
export const keySecret = "thisIsTheKeySecretDoNotLeak01"
export const paymentId = "pay_FgR9UMzgmKDJRi"
export const refundId = "rfnd_FgRAHdNOM4ZVbO"

export const fixturePath = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))
export const fixtureBytes = (name: string): Uint8Array => new Uint8Array(readFileSync(fixturePath(name)))
export const fixtureText = (name: string): string => readFileSync(fixturePath(name), "utf8")
export const fixtureJson = (name: string): any => JSON.parse(fixtureText(name))

/** An answer as the connector sees it (header names lower case). */
export const response = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
  body: typeof body === "string" ? body : JSON.stringify(body)
})

/** Decoded credentials, exactly as the core hands them to the connector. */
export const credentials: RazorpayConnector.RazorpayCredentials = (() => {
  const decoded = Credentials.decode(connector.credentials, { keyId, keySecret }, "razorpay credentials")
  if (Result.isFailure(decoded)) throw new Error(decoded.failure.message)
  return decoded.success
})()

export const context: Connector.BuildContext<RazorpayConnector.RazorpayCredentials> = { credentials, environment: "sandbox" }

export const createContext = (idempotencyKey = "refract-order-42-r1"): Connector.CreateContext<RazorpayConnector.RazorpayCredentials> => ({
  ...context,
  idempotencyKey
})

export const createRequest = (input: Partial<RefundClient.CreateRefundInput> = {}): Refund.CreateRefundRequest => {
  const decoded = RefundClient.decodeCreate("razorpay", {
    merchantRefundId: "order-42-r1",
    connectorTransactionId: paymentId,
    amount: { amount: 1050, currency: "INR" },
    ...input
  })
  if (Result.isFailure(decoded)) throw new Error(decoded.failure.message)
  return decoded.success
}

export const reference = (input: RefundClient.ReferenceInput): Refund.RefundReference => {
  const decoded = RefundClient.decodeReference("razorpay", input)
  if (Result.isFailure(decoded)) throw new Error(decoded.failure.message)
  return decoded.success
}

export const ok = <A, E>(result: Result.Result<A, E>): A => {
  if (Result.isFailure(result)) throw new Error(`expected success, got ${JSON.stringify(result.failure)}`)
  return result.success
}

export const failure = <A, E>(result: Result.Result<A, E>): E => {
  if (Result.isSuccess(result)) throw new Error(`expected failure, got ${JSON.stringify(result.success)}`)
  return result.failure
}

export interface Recorded {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

export interface Answer {
  readonly status: number
  readonly body?: unknown
  readonly headers?: Record<string, string>
}

export interface Script {
  readonly requests: Array<Recorded>
  readonly layer: Layer.Layer<HttpClient.HttpClient>
}

const bodyText = (request: HttpClientRequest.HttpClientRequest): string =>
  request.body._tag === "Uint8Array" ? new TextDecoder().decode(request.body.body) : ""

/** An HttpClient answering with `answer(request, index)` and recording every request. */
export const scripted = (answer: (request: Recorded, index: number) => Answer): Script => {
  const requests: Array<Recorded> = []
  const client = HttpClient.make((request, url) =>
    Effect.sync(() => {
      const recorded: Recorded = {
        method: request.method,
        url: url.toString(),
        headers: request.headers as Record<string, string>,
        body: bodyText(request)
      }
      const index = requests.length
      requests.push(recorded)
      const a = answer(recorded, index)
      const text = a.body === undefined ? "" : typeof a.body === "string" ? a.body : JSON.stringify(a.body)
      return HttpClientResponse.fromWeb(request, new Response(text, { status: a.status, headers: a.headers ?? {} }))
    })
  )
  return { requests, layer: Layer.succeed(HttpClient.HttpClient, client) }
}
