/**
 * Test helpers: fixture loading and core inputs. The scripted HttpClient, `response`, `ok` and
 * `failure` come from @refract/testkit's ConnectorTest.
 */
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import type { RefundClient } from "@refract/core"
import { contexts, credentials as decodeCredentials, requests } from "@refract/testkit/connector/ConnectorTest"
import { connector } from "@refract/checkout"

export const paymentId = "pay_awlo4m4phelezkhsj4egc6d35q"
export const actionId = "act_rzy3fxofo3lufmjzaismfzjiae"
export const refundId = `${paymentId}:${actionId}`
export const sandboxKey = "sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e"
export const liveKey = "sk_m73dzbpy7cf3gfd46xr4yj5xo4e"

export const fixturePath = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))
export const fixtureBytes = (name: string): Uint8Array => new Uint8Array(readFileSync(fixturePath(name)))
export const fixtureText = (name: string): string => readFileSync(fixturePath(name), "utf8")
export const fixtureJson = (name: string): any => JSON.parse(fixtureText(name))

export const credentials = (key = sandboxKey) => decodeCredentials(connector, { secretKey: key })

export const { buildContext, createContext } = contexts(credentials())

/** Validated create requests (a 10.50 EUR refund of the test payment) and references, exactly as the core hands them over. */
const checkoutRequests = requests("checkout", {
  merchantRefundId: "order-42-r1",
  connectorTransactionId: paymentId,
  amount: { amount: 1050, currency: "EUR" }
})

export const createRequest = checkoutRequests.createRequest

export const reference = (input: RefundClient.ReferenceInput = refundId) => checkoutRequests.reference(input)
