/**
 * Test helpers: fixture loading and core inputs. The scripted HttpClient, `response`, `ok` and `failure` come
 * from @refract/testkit's ConnectorTest.
 */
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { contexts, credentials as decodeCredentials, requests } from "@refract/testkit/connector/ConnectorTest"
import { connector } from "@refract/mercadopago"

export const accessToken = "TEST-7030000000022370-010203-2405a0c3000000007232f7a500000000-0082888"
export const paymentId = "18552260055"
export const refundNumber = "1032332129"
export const refundId = `${paymentId}:${refundNumber}`

export const fixturePath = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))
export const fixtureText = (name: string): string => readFileSync(fixturePath(name), "utf8")
export const fixtureJson = (name: string): any => JSON.parse(fixtureText(name))

export const credentials = decodeCredentials(connector, { accessToken })

export const { buildContext: context, createContext } = contexts(credentials)

/** Validated create requests (a 10.50 BRL refund of the test payment) and references. */
export const { createRequest, reference } = requests("mercadopago", {
  merchantRefundId: "order-42-r1",
  connectorTransactionId: paymentId,
  amount: { amount: 1050, currency: "BRL" }
})
