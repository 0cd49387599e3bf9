/**
 * Test helpers: core inputs and Paddle bodies shaped like the API reference's and the SDK's samples
 * (@paddle/paddle-node-sdk 3.10.0 `__tests__/mocks`: ids, RFC 3339 times with microseconds, amounts as strings).
 */
import { contexts, credentials as decodeCredentials, requests } from "@refract/testkit/connector/ConnectorTest"
import { connector } from "@refract/paddle"

export const apiKey = "pdl_sdbx_apikey_01hv8aaaaaaaaaaaaaaaaaaaaa_ThisIsTheSecretPartDoNotLeak000"
export const transactionId = "txn_01h8bxpvx398a7zbawb77y0kp5"
export const itemId = "txnitm_01h8bxryv3065dyh6103p3yg28"
export const adjustmentId = "adj_01h8c6tbrkpdd7vx61w7b1r0ap"

export const credentials = decodeCredentials(connector, { apiKey })
export const { buildContext: context, createContext } = contexts(credentials)

/** A 10.50 USD partial refund of the test transaction's line item. */
export const { createRequest, reference } = requests("paddle", {
  merchantRefundId: "order-42-r1",
  connectorTransactionId: transactionId,
  amount: { amount: 1050, currency: "USD" },
  metadata: { paddle_item_id: itemId }
})

export const adjustment = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: adjustmentId,
  action: "refund",
  type: "partial",
  transaction_id: transactionId,
  subscription_id: null,
  customer_id: "ctm_01h8441jn5pcwrfhwh78jqt8hk",
  reason: "requested_by_customer [refract merchant_refund_id=order-42-r1 idempotency_key=refract-order-42-r1]",
  credit_applied_to_balance: null,
  currency_code: "USD",
  status: "pending_approval",
  items: [{ id: "adjitm_01h8c6tbrkpdd7vx61w86e52t8", item_id: itemId, type: "partial", amount: "1050", proration: null, totals: { subtotal: "966", tax: "84", total: "1050" } }],
  totals: { subtotal: "966", tax: "84", total: "1050", fee: "53", earnings: "913", retained_fee: "0", currency_code: "USD" },
  payout_totals: null,
  created_at: "2023-08-21T14:08:43.297512Z",
  updated_at: "2023-08-21T14:08:43.297512Z",
  ...over
})

export const page = (data: ReadonlyArray<unknown>, hasMore = false) => ({
  data,
  meta: { request_id: "7a0f4d4b-2b9a-4c2e-9a40-4c6d5e0a1b2c", pagination: { per_page: 50, next: "https://sandbox-api.paddle.com/adjustments?after=x", has_more: hasMore, estimated_total: data.length } }
})
