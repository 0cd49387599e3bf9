import { readFileSync } from "node:fs"
import { Credentials, RefundClient } from "@refract/core"
import type { Connector, Refund } from "@refract/core"
import { Effect, Layer, Result } from "effect"
import { HttpClient, HttpClientResponse } from "effect/http"
import { connector } from "@refract/adyen"

export const apiKey = "AQE_test_api_key_do_not_log_0123"
export const merchantAccount = "TestMerchantECOM"
export const paymentPsp = "993617894903480A"
export const refundPsp = "993617894906488A"

export const fixtureBytes = (name: string): Buffer => readFileSync(new URL(`./fixtures/${name}`, import.meta.url))
export const fixtureText = (name: string): string => fixtureBytes(name).toString("utf8")
export const fixtureJson = <A = any>(name: string): A => JSON.parse(fixtureText(name)) as A

export const credentials = (() => {
  const decoded = Credentials.decode(connector.credentials, { apiKey, merchantAccount }, "adyen credentials")
  if (Result.isFailure(decoded)) throw decoded.failure
  return decoded.success
})()

export const createContext = (idempotencyKey = "refract-r-1"): Connector.CreateContext<typeof credentials> => ({
  credentials,
  environment: "sandbox",
  idempotencyKey
})

/** A validated create request, exactly as the core hands it to the connector. */
export const createRequest = (input: Partial<RefundClient.CreateRefundInput> = {}): Refund.CreateRefundRequest => {
  const decoded = RefundClient.decodeCreate("adyen", {
    merchantRefundId: "order-42-r1",
    connectorTransactionId: paymentPsp,
    amount: { amount: 2_500, currency: "EUR" },
    ...input
  })
  if (Result.isFailure(decoded)) throw decoded.failure
  return decoded.success
}

export interface RecordedRequest {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

export interface Answer {
  readonly status: number
  readonly body: string
  readonly headers?: Readonly<Record<string, string>>
}

/** An HttpClient double that records every request and answers with `respond`. */
export const mockHttp = (respond: (request: RecordedRequest, index: number) => Answer) => {
  const requests: Array<RecordedRequest> = []
  const client = HttpClient.make((request, url) =>
    Effect.sync(() => {
      const body = request.body._tag === "Uint8Array" ? request.body.text ?? new TextDecoder().decode(request.body.body) : ""
      const recorded: RecordedRequest = {
        method: request.method,
        url: url.toString(),
        headers: { ...(request.headers as Readonly<Record<string, string>>) },
        body
      }
      requests.push(recorded)
      const answer = respond(recorded, requests.length - 1)
      return HttpClientResponse.fromWeb(
        request,
        new Response(answer.body === "" ? null : answer.body, { status: answer.status, headers: answer.headers ?? {} })
      )
    })
  )
  return { requests, layer: Layer.succeed(HttpClient.HttpClient, client) }
}
