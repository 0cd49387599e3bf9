/**
 * Test helpers: fixtures, decoded credentials, core inputs, and a signer for PayPal-style webhook
 * deliveries (test keys under fixtures/signing). The scripted HttpClient and `response` come from
 * @refract/testkit's ConnectorTest.
 */
import { createPrivateKey, sign } from "node:crypto"
import { readFileSync } from "node:fs"
import { contexts, credentials as decodeCredentials, requests } from "@refract/testkit/connector/ConnectorTest"
import { connector, PayPalWebhook } from "@refract/paypal"

export const clientId = "AeA1QIZXiflr1_-r0U2UbWTziOWX1GRQer5jkUq4ZfWT5qwb6qQRPq7jDtv57TL4POEEezGLdutcxnkJ"
export const clientSecret = "EGnHDxD_qRPdaLdZz8iCr8N7_MzF-YHPTkjs6NKYQvQSBngp4PTTVWkPZRbL_do_not_log"
export const captureId = "2GG279541U471931P"
export const refundId = "1JU08902781691411"

export const fixturePath = (name: string): URL => new URL(`./fixtures/${name}`, import.meta.url)
export const fixtureBytes = (name: string): Uint8Array => new Uint8Array(readFileSync(fixturePath(name)))
export const fixtureText = (name: string): string => readFileSync(fixturePath(name), "utf8")
export const fixtureJson = <A = any>(name: string): A => JSON.parse(fixtureText(name)) as A

export const credentials = decodeCredentials(connector, { clientId, clientSecret })

export const { buildContext, createContext } = contexts(credentials)

/** Validated create requests (a 10.50 USD refund of the test capture) and references, exactly as the core hands them over. */
export const { createRequest, reference } = requests("paypal", {
  merchantRefundId: "order-42-r1",
  connectorTransactionId: captureId,
  amount: { amount: 1_050, currency: "USD" }
})

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
