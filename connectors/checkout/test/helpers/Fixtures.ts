/**
 * Test helpers: fixture loading, a scripted HttpClient that records requests, and core inputs.
 */
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Credentials, RefundClient } from "@refract/core"
import type { Connector, ProcessorHttp, Refund } from "@refract/core"
import { Effect, Layer, Result } from "effect"
import { HttpClient, HttpClientRequest, HttpClientResponse } from "effect/http"
import { connector } from "@refract/checkout"
import type { CheckoutConnector } from "@refract/checkout"

export const paymentId = "pay_awlo4m4phelezkhsj4egc6d35q"
export const actionId = "act_rzy3fxofo3lufmjzaismfzjiae"
export const refundId = `${paymentId}:${actionId}`
export const sandboxKey = "sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e"
export const liveKey = "sk_m73dzbpy7cf3gfd46xr4yj5xo4e"

export const fixturePath = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))
export const fixtureBytes = (name: string): Uint8Array => new Uint8Array(readFileSync(fixturePath(name)))
export const fixtureText = (name: string): string => readFileSync(fixturePath(name), "utf8")
export const fixtureJson = (name: string): any => JSON.parse(fixtureText(name))

/** An answer as the connector sees it (header names lower case). */
export const response = (status: number, body: unknown, headers: Record<string, string> = {}): ProcessorHttp.ProcessorResponse => ({
  status,
  headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
  body: typeof body === "string" ? body : JSON.stringify(body)
})

export const credentials = (key = sandboxKey): CheckoutConnector.CheckoutCredentials => {
  const decoded = Credentials.decode(connector.credentials, { secretKey: key }, "checkout credentials")
  if (Result.isFailure(decoded)) throw decoded.failure
  return decoded.success
}

export const createContext = (idempotencyKey = "refract-order-42-r1"): Connector.CreateContext<CheckoutConnector.CheckoutCredentials> => ({
  credentials: credentials(),
  environment: "sandbox",
  idempotencyKey
})

export const buildContext: Connector.BuildContext<CheckoutConnector.CheckoutCredentials> = {
  credentials: credentials(),
  environment: "sandbox"
}

/** A validated create request, exactly as the core hands it to the connector. */
export const createRequest = (input: Partial<RefundClient.CreateRefundInput> = {}): Refund.CreateRefundRequest => {
  const decoded = RefundClient.decodeCreate("checkout", {
    merchantRefundId: "order-42-r1",
    connectorTransactionId: paymentId,
    amount: { amount: 1050, currency: "EUR" },
    ...input
  })
  if (Result.isFailure(decoded)) throw new Error(decoded.failure.message)
  return decoded.success
}

export const reference = (input: RefundClient.ReferenceInput = refundId): Refund.RefundReference => {
  const decoded = RefundClient.decodeReference("checkout", input)
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
        headers: { ...(request.headers as Record<string, string>) },
        body: bodyText(request)
      }
      const index = requests.length
      requests.push(recorded)
      const a = answer(recorded, index)
      const text = a.body === undefined ? "" : typeof a.body === "string" ? a.body : JSON.stringify(a.body)
      return HttpClientResponse.fromWeb(request, new Response(text === "" ? null : text, { status: a.status, headers: a.headers ?? {} }))
    })
  )
  return { requests, layer: Layer.succeed(HttpClient.HttpClient, client) }
}
