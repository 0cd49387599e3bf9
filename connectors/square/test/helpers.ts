/**
 * Test helpers: fixtures, decoded credentials and core inputs as the core hands them over. The
 * scripted HttpClient and `response` come from @refract/testkit's ConnectorTest.
 */
import { readFileSync } from "node:fs"
import { contexts, credentials as decodeCredentials, requests } from "@refract/testkit/connector/ConnectorTest"
import { connector } from "@refract/square"

export const accessToken = "EAAAl2sTestTokenDoNotLeak_0123456789abcdefghijklmnopqrstuvwxyzABCD"
export const paymentId = "R2B3Z8WMVt3EAmzYWLZvz7Y69EbZY"
export const refundId = "R2B3Z8WMVt3EAmzYWLZvz7Y69EbZY_KlWP8IC1557ddwc9QWTKrCVU6m0JXDz15R2Qym5eQfR"
export const completedRefundId = "bP9mAsEMYPUGjjGNaNO5ZDVyLhSZY_69MmgHubkLqx9wGhnmenRUHOaKitE6llfZuxcWYjGxd"
export const completedPaymentId = "bP9mAsEMYPUGjjGNaNO5ZDVyLhSZY"

export const fixtureBytes = (name: string): Buffer => readFileSync(new URL(`./fixtures/${name}`, import.meta.url))
export const fixtureText = (name: string): string => fixtureBytes(name).toString("utf8")
export const fixtureJson = <A = any>(name: string): A => JSON.parse(fixtureText(name)) as A

export const credentials = decodeCredentials(connector, { accessToken })

export const { buildContext, createContext } = contexts(credentials)

/** Validated create requests (a 10.00 USD refund of the test payment) and references, exactly as the core hands them over. */
export const { createRequest, reference } = requests("square", {
  merchantRefundId: "order-42-r1",
  connectorTransactionId: paymentId,
  amount: { amount: 1_000, currency: "USD" }
})

// processors.md §11, Square vectors (square-nodejs-sdk tests/integration/webhooks.test.ts), byte for byte.
export const Q1 = {
  key: "Ibxx_5AKakO-3qeNVR61Dw",
  url: "https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9",
  body:
    "{\"merchant_id\":\"MLEFBHHSJGVHD\",\"type\":\"webhooks.test_notification\",\"event_id\":\"ac3ac95b-f97d-458c-a6e6-18981597e05f\",\"created_at\":\"2022-07-13T20:30:59.037339943Z\",\"data\":{\"type\":\"webhooks\",\"id\":\"bc368e64-01aa-407e-b46e-3231809b1129\"}}",
  signature: "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4="
}
