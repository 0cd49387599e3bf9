import { readFileSync } from "node:fs"
import { contexts, credentials as decodeCredentials, requests } from "@refract/testkit/connector/ConnectorTest"
import { connector } from "@refract/adyen"

export const apiKey = "AQE_test_api_key_do_not_log_0123"
export const merchantAccount = "TestMerchantECOM"
export const paymentPsp = "993617894903480A"
export const refundPsp = "993617894906488A"

export const fixtureBytes = (name: string): Buffer => readFileSync(new URL(`./fixtures/${name}`, import.meta.url))
export const fixtureText = (name: string): string => fixtureBytes(name).toString("utf8")
export const fixtureJson = <A = any>(name: string): A => JSON.parse(fixtureText(name)) as A

export const credentials = decodeCredentials(connector, { apiKey, merchantAccount })

export const { createContext } = contexts(credentials, { idempotencyKey: "refract-r-1" })

/** A validated create request (a 25.00 EUR refund of the test payment), exactly as the core hands it to the connector. */
export const { createRequest } = requests("adyen", {
  merchantRefundId: "order-42-r1",
  connectorTransactionId: paymentPsp,
  amount: { amount: 2_500, currency: "EUR" }
})
