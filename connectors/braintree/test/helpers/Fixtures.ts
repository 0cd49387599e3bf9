/**
 * Test helpers: fixture loading and core inputs. The scripted HttpClient, `response`, `ok` and
 * `failure` come from @refract/testkit's ConnectorTest.
 */
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { contexts, credentials as decodeCredentials, requests } from "@refract/testkit/connector/ConnectorTest"
import { connector } from "@refract/braintree"

export const merchantId = "mid123abc"
export const publicKey = "pubkey123"
export const privateKey = "thisIsThePrivateKeyDoNotLeak01"
export const saleId = "8x9m2b7v"
export const refundId = "k4t9p2qz"

export const fixturePath = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))
export const fixtureText = (name: string): string => readFileSync(fixturePath(name), "utf8")

/** Decoded credentials, exactly as the core hands them to the connector. */
export const credentials = decodeCredentials(connector, { merchantId, publicKey, privateKey })

export const { buildContext: context, createContext } = contexts(credentials)

/** Validated create requests (a 10.50 USD refund of the test sale) and references. */
export const { createRequest, reference } = requests("braintree", {
  merchantRefundId: "order-42-r1",
  connectorTransactionId: saleId,
  amount: { amount: 1050, currency: "USD" }
})
