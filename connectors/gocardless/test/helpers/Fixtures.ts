/**
 * Shared values and refund bodies of the unit tests, shaped like GoCardless's refund resource
 * (gocardless-nodejs 10.1.2 `types/types/Types.d.ts` `Refund`; the list answer's `meta.cursors`).
 */
import { connector } from "@refract/gocardless"
import { contexts, credentials, requests } from "@refract/testkit/connector/ConnectorTest"

export const accessToken = "sandbox_TestAccessToken0123456789abcdefgh"
export const paymentId = "PM00ABCDEF1234"
export const refundId = "RF00XYZ0123456"

export const decoded = credentials(connector, { accessToken })
export const { buildContext, createContext } = contexts(decoded)
export const { createRequest, reference } = requests("gocardless", {
  merchantRefundId: "order-42-r1",
  connectorTransactionId: paymentId,
  amount: { amount: 1050, currency: "GBP" }
})

/** A GoCardless refund resource, with `over` applied. */
export const refund = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: refundId,
  amount: 1050,
  created_at: "2026-11-30T10:15:20.123Z",
  currency: "GBP",
  fx: { fx_currency: null, fx_amount: null, exchange_rate: null, estimated_exchange_rate: null },
  links: { payment: paymentId, mandate: "MD00AAAA1111BB" },
  metadata: { merchant_refund_id: "order-42-r1", order: "42" },
  reference: "ACME-REFUND",
  status: "created",
  ...over
})

export const list = (refunds: ReadonlyArray<Record<string, unknown>>, after: string | null = null) => ({
  refunds,
  meta: { cursors: { before: null, after }, limit: 50 }
})
