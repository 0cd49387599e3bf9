/**
 * Test helpers: fixtures, decoded credentials, core inputs, a scripted HttpClient that records
 * requests, and a signer for PayPal-style webhook deliveries (test keys under fixtures/signing).
 */
import { createPrivateKey, sign } from "node:crypto"
import { readFileSync } from "node:fs"
import { Credentials, RefundClient } from "@refract/core"
import type { Connector, Refund } from "@refract/core"
import { Effect, Layer, Result } from "effect"
import { HttpClient, HttpClientResponse } from "effect/http"
import { connector, PayPalWebhook } from "@refract/paypal"

export const clientId = "AeA1QIZXiflr1_-r0U2UbWTziOWX1GRQer5jkUq4ZfWT5qwb6qQRPq7jDtv57TL4POEEezGLdutcxnkJ"
export const clientSecret = "EGnHDxD_qRPdaLdZz8iCr8N7_MzF-YHPTkjs6NKYQvQSBngp4PTTVWkPZRbL_do_not_log"
export const captureId = "2GG279541U471931P"
export const refundId = "1JU08902781691411"

export const fixturePath = (name: string): URL => new URL(`./fixtures/${name}`, import.meta.url)
export const fixtureBytes = (name: string): Uint8Array => new Uint8Array(readFileSync(fixturePath(name)))
export const fixtureText = (name: string): string => readFileSync(fixturePath(name), "utf8")
export const fixtureJson = <A = any>(name: string): A => JSON.parse(fixtureText(name)) as A

export const credentials = (() => {
  const decoded = Credentials.decode(connector.credentials, { clientId, clientSecret }, "paypal credentials")
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
  const decoded = RefundClient.decodeCreate("paypal", {
    merchantRefundId: "order-42-r1",
    connectorTransactionId: captureId,
    amount: { amount: 1_050, currency: "USD" },
    ...input
  })
  if (Result.isFailure(decoded)) throw decoded.failure
  return decoded.success
}

export const reference = (input: RefundClient.ReferenceInput): Refund.RefundReference => {
  const decoded = RefundClient.decodeReference("paypal", input)
  if (Result.isFailure(decoded)) throw decoded.failure
  return decoded.success
}

/** A 2xx/4xx/5xx answer as the connector sees it (header names lower case). */
export const response = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
  body: typeof body === "string" ? body : JSON.stringify(body)
})

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
  /** Answer after this many real milliseconds (to overlap concurrent calls). */
  readonly delayMillis?: number
}

export interface Script {
  readonly requests: Array<Recorded>
  readonly layer: Layer.Layer<HttpClient.HttpClient>
}

/** An HttpClient answering with `answer(request, index)` and recording every request. */
export const scripted = (answer: (request: Recorded, index: number) => Answer): Script => {
  const requests: Array<Recorded> = []
  const client = HttpClient.make((request, url) =>
    Effect.gen(function*() {
      const recorded: Recorded = {
        method: request.method,
        url: url.toString(),
        headers: request.headers as Record<string, string>,
        body: request.body._tag === "Uint8Array" ? new TextDecoder().decode(request.body.body) : ""
      }
      const index = requests.length
      requests.push(recorded)
      const a = answer(recorded, index)
      if (a.delayMillis !== undefined) {
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, a.delayMillis)))
      }
      const text = a.body === undefined ? "" : typeof a.body === "string" ? a.body : JSON.stringify(a.body)
      return HttpClientResponse.fromWeb(request, new Response(text, { status: a.status, headers: a.headers ?? {} }))
    })
  )
  return { requests, layer: Layer.succeed(HttpClient.HttpClient, client) }
}

// ---------------------------------------------------------------------------------------------
// Signing PayPal-style deliveries with the test key (fixtures/signing, generated for these tests)
// ---------------------------------------------------------------------------------------------

export const testCertificatePem = fixtureText("signing/rsa-cert.pem")
const testKey = createPrivateKey(fixtureText("signing/rsa-key.pem"))

export const webhookId = "8PT597110X687430LKGECATA"

export interface SignOptions {
  readonly body: string | Uint8Array
  readonly webhookId?: string
  readonly transmissionId?: string
  readonly transmissionTime?: string
  readonly certUrl?: string
  readonly algo?: string
}

/** The five PAYPAL-* headers of a delivery, signed with the test key over PayPal's message. */
export const signedHeaders = (options: SignOptions): Record<string, string> => {
  const transmissionId = options.transmissionId ?? "69cd13f0-d67a-11e5-baa3-778b53f4ae55"
  const transmissionTime = options.transmissionTime ?? "2026-11-20T18:15:34Z"
  const message = PayPalWebhook.signedMessage({
    transmissionId,
    transmissionTime,
    webhookId: options.webhookId ?? webhookId,
    body: options.body
  })
  return {
    "paypal-transmission-id": transmissionId,
    "paypal-transmission-time": transmissionTime,
    "paypal-transmission-sig": sign("sha256", Buffer.from(message, "utf8"), testKey).toString("base64"),
    "paypal-cert-url": options.certUrl ?? "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77",
    "paypal-auth-algo": options.algo ?? "SHA256withRSA"
  }
}
