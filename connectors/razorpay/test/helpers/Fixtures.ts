/**
 * Test helpers: fixture loading and core inputs. The scripted HttpClient, `response`, `ok` and
 * `failure` come from @refract/testkit's ConnectorTest.
 */
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { contexts, credentials as decodeCredentials, requests } from "@refract/testkit/connector/ConnectorTest"
import { connector } from "@refract/razorpay"

export const keyId = "rzp_test_1DP5mmOlF5G5ag"
export const keySecret = "thisIsTheKeySecretDoNotLeak01"
export const paymentId = "pay_FgR9UMzgmKDJRi"
export const refundId = "rfnd_FgRAHdNOM4ZVbO"

export const fixturePath = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))
export const fixtureBytes = (name: string): Uint8Array => new Uint8Array(readFileSync(fixturePath(name)))
export const fixtureText = (name: string): string => readFileSync(fixturePath(name), "utf8")
export const fixtureJson = (name: string): any => JSON.parse(fixtureText(name))

/** Decoded credentials, exactly as the core hands them to the connector. */
export const credentials = decodeCredentials(connector, { keyId, keySecret })

export const { buildContext: context, createContext } = contexts(credentials)

/** Validated create requests (a 10.50 INR refund of the test payment) and references. */
export const { createRequest, reference } = requests("razorpay", {
  merchantRefundId: "order-42-r1",
  connectorTransactionId: paymentId,
  amount: { amount: 1050, currency: "INR" }
})
