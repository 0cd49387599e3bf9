/**
 * Test helpers: fixtures, decoded credentials, core inputs as the core hands them over, and an
 * HttpClient double that records every request.
 */
import { readFileSync } from "node:fs"
import { Credentials, RefundClient } from "@refract/core"
import type { Connector, ProcessorHttp, Refund } from "@refract/core"
import { Effect, Layer, Result } from "effect"
import { HttpClient, HttpClientResponse } from "effect/http"
import { connector } from "@refract/square"

export const accessToken = "EAAAl2sTestTokenDoNotLeak_0123456789abcdefghijklmnopqrstuvwxyzABCD"
export const paymentId = "R2B3Z8WMVt3EAmzYWLZvz7Y69EbZY"
export const refundId = "R2B3Z8WMVt3EAmzYWLZvz7Y69EbZY_KlWP8IC1557ddwc9QWTKrCVU6m0JXDz15R2Qym5eQfR"
export const completedRefundId = "bP9mAsEMYPUGjjGNaNO5ZDVyLhSZY_69MmgHubkLqx9wGhnmenRUHOaKitE6llfZuxcWYjGxd"
export const completedPaymentId = "bP9mAsEMYPUGjjGNaNO5ZDVyLhSZY"

export const fixtureBytes = (name: string): Buffer => readFileSync(new URL(`./fixtures/${name}`, import.meta.url))
export const fixtureText = (name: string): string => fixtureBytes(name).toString("utf8")
export const fixtureJson = <A = any>(name: string): A => JSON.parse(fixtureText(name)) as A

export const credentials = (() => {
  const decoded = Credentials.decode(connector.credentials, { accessToken }, "square credentials")
  if (Result.isFailure(decoded)) throw decoded.failure
  return decoded.success
})()

export const buildContext: Connector.BuildContext<typeof credentials> = { credentials, environment: "sandbox" }

export const createContext = (idempotencyKey = "refract-order-42-r1"): Connector.CreateContext<typeof credentials> => ({
  ...buildContext,
  idempotencyKey
})

/** A validated create request, exactly as the core hands it to the connector. */
export const createRequest = (input: Partial<RefundClient.CreateRefundInput> = {}): Refund.CreateRefundRequest => {
  const decoded = RefundClient.decodeCreate("square", {
    merchantRefundId: "order-42-r1",
    connectorTransactionId: paymentId,
    amount: { amount: 1_000, currency: "USD" },
    ...input
  })
  if (Result.isFailure(decoded)) throw decoded.failure
  return decoded.success
}

export const reference = (input: RefundClient.ReferenceInput): Refund.RefundReference => {
  const decoded = RefundClient.decodeReference("square", input)
  if (Result.isFailure(decoded)) throw decoded.failure
  return decoded.success
}

/** An answer as the connector sees it (header names lower case). */
export const response = (status: number, body: unknown, headers: Record<string, string> = {}): ProcessorHttp.ProcessorResponse => ({
  status,
  headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
  body: typeof body === "string" ? body : JSON.stringify(body)
})

export interface RecordedRequest {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

export interface Answer {
  readonly status: number
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>>
}

/** An HttpClient double that records every request and answers with `respond`. */
export const mockHttp = (respond: (request: RecordedRequest, index: number) => Answer) => {
  const requests: Array<RecordedRequest> = []
  const client = HttpClient.make((request, url) =>
    Effect.sync(() => {
      const body = request.body._tag === "Uint8Array" ? new TextDecoder().decode(request.body.body) : ""
      const recorded: RecordedRequest = {
        method: request.method,
        url: url.toString(),
        headers: { ...(request.headers as Readonly<Record<string, string>>) },
        body
      }
      requests.push(recorded)
      const answer = respond(recorded, requests.length - 1)
      const text = answer.body === undefined ? "" : typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body)
      return HttpClientResponse.fromWeb(
        request,
        new Response(text === "" ? null : text, { status: answer.status, headers: answer.headers ?? {} })
      )
    })
  )
  return { requests, layer: Layer.succeed(HttpClient.HttpClient, client) }
}
