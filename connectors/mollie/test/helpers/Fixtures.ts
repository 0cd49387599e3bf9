/**
 * Test helpers: fixture loading and core inputs. The scripted HttpClient, `response`, `ok` and
 * `failure` come from @refract/testkit's ConnectorTest.
 */
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { contexts, credentials as decodeCredentials, requests } from "@refract/testkit/connector/ConnectorTest"
import { connector } from "@refract/mollie"

export const apiKey = "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM"
export const paymentId = "tr_WDqYK6vllg"
export const refundId = "re_4qqhO89gsT"

export const fixturePath = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))
export const fixtureText = (name: string): string => readFileSync(fixturePath(name), "utf8")
export const fixtureJson = (name: string): any => JSON.parse(fixtureText(name))

/** Decoded credentials, exactly as the core hands them to the connector. */
export const credentials = decodeCredentials(connector, { apiKey })

export const { buildContext: context, createContext } = contexts(credentials)

/** Validated create requests (a 10.50 EUR refund of the test payment) and references. */
export const { createRequest, reference } = requests("mollie", {
  merchantRefundId: "order-42-r1",
  connectorTransactionId: paymentId,
  amount: { amount: 1050, currency: "EUR" }
})
