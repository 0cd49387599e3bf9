/**
 * A stateful Braintree emulator speaking the legacy gateway API the official Node SDK uses (braintree_node
 * 3.40.0): JSON request bodies with underscored keys, XML answers, `X-ApiVersion: 6`, HTTP Basic
 * `public_key:private_key`, under `/merchants/{merchant_id}`:
 *
 * - `POST /transactions/{id}/refund` with `{"transaction":{"amount"?,"order_id"?,"merchant_account_id"?}}`:
 *   201 and the new `credit` transaction, or 422 and an `<api-error-response>` with Braintree's validation codes;
 * - `GET /transactions/{id}`: the transaction (a seeded sale or a refund);
 * - `PUT /transactions/{id}/void`: voids a refund still `submitted_for_settlement` (91504 otherwise);
 * - `POST /transactions/advanced_search_ids` and `/transactions/advanced_search` (criteria `ids`, `order_id`,
 *   `type`, `status`, `created_at`, `id`: see {@link searchCriteria}), as `gateway.transaction.search` pages them;
 * - webhooks as form POSTs `bt_signature=<public_key>|<hex HMAC-SHA1>&bt_payload=<base64 XML notification>`
 *   with kinds `transaction_settled`, `transaction_settlement_declined` and `refund_failed`.
 *
 * Sources (facts only; no code copied): braintree_node 3.40.0 `lib/braintree/http.js` (headers, status
 * handling), `transaction_gateway.js` (paths and bodies), `transaction.js` (statuses, types),
 * `validation_error_codes.js` (codes), `error_response.js` / `validation_errors_collection.js` (error body
 * shape), `webhook_notification_gateway.js`, `webhook_testing_gateway.js` and `digest.js` (webhooks),
 * `transaction_search.js` / `advanced_search.js` (search criteria). See connectors/braintree/README.md.
 *
 * @since 0.1.0
 */
import { createHash, createHmac } from "node:crypto"
import { Context, Effect, Layer } from "effect"
import type { Scope } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import type { ServeError } from "effect/http/HttpServerError"
import type { Emulator, EmulatorOptions, EmulatorService, Outcome } from "../emulator/Emulator.ts"
import type { EmulatorRequest } from "../emulator/Http.ts"
import { randomString, readRequest } from "../emulator/Http.ts"
import type { Lifecycle, PaymentRecord, RefundRecord, Step } from "../emulator/RefundStore.ts"
import * as RetrySchedule from "../emulator/RetrySchedule.ts"
import * as Server from "../emulator/Server.ts"
import { safeEqual } from "../emulator/Webhooks.ts"
import * as Xml from "./BraintreeXml.ts"

/** Options of the Braintree emulator. */
export interface BraintreeEmulatorOptions extends EmulatorOptions {
  readonly merchantId?: string
  readonly publicKey?: string
  /** The private key: API password and webhook signing key. `webhookSecret` is accepted as an alias. */
  readonly privateKey?: string
  /** The merchant account refunds are booked on (and whose currency they carry). */
  readonly merchantAccountId?: string
}

export const defaultMerchantId = "emulatormerchant01"
export const defaultPublicKey = "emulatorpublickey01"
export const defaultPrivateKey = "0123456789abcdef0123456789abcdef"
export const defaultMerchantAccountId = "emulatormerchantaccount"

/** Braintree's transaction statuses (braintree_node `transaction.js` `Transaction.Status`). */
export const statuses = [
  "authorization_expired",
  "authorizing",
  "authorized",
  "gateway_rejected",
  "failed",
  "processor_declined",
  "settled",
  "settling",
  "settlement_confirmed",
  "settlement_declined",
  "settlement_pending",
  "submitted_for_settlement",
  "voided"
] as const

/** Braintree-specific state of an emulated refund. */
export interface BraintreeRefundAttributes {
  readonly orderId: string | null
  readonly merchantAccountId: string
}

/**
 * How each {@link Outcome} plays out after `submitted_for_settlement`: a successful refund goes `settled` when its
 * batch settles (card refunds skip the transitory `settling`, which Braintree shows for PayPal and ACH);
 * a failed one `processor_declined` (the status braintree_node's `refund_failed` sample carries);
 * `canceled` is a void (`voided`); `requires_action` has no Braintree counterpart and stays submitted; Braintree
 * reports no reversal of a settled refund, so both reversal outcomes end `settled`.
 */
export const lifecycle: Lifecycle = {
  initialStatus: "submitted_for_settlement",
  steps: (outcome: Outcome, reason: string | undefined): ReadonlyArray<Step> => {
    switch (outcome) {
      case "succeeded":
      case "succeeded_then_reversed":
      case "succeeded_then_failed":
        return [{ status: "settled" }]
      case "failed":
        return [{ status: "processor_declined", reason: reason ?? "Do Not Honor" }]
      case "canceled":
        return [{ status: "voided", reason: reason ?? "voided" }]
      case "requires_action":
        return []
    }
  },
  holdsFunds: (status) => !["processor_declined", "gateway_rejected", "failed", "settlement_declined", "voided"].includes(status),
  successStatuses: ["settled", "settlement_confirmed"]
}

/**
 * Braintree's numbers: no idempotency key at all (none in the SDK's refund signature or headers, none in the
 * docs), so there is no idempotency policy and nothing is ever replayed. Webhook retries: Braintree retries a failed delivery
 * "hourly for up to 24 hours" per its webhooks guide [docs, unconfirmed text]: hourly within a day here.
 */
export const numbers: Server.ProcessorNumbers = {
  timing: Server.defaultTiming,
  // Unused: the definition has no idempotency policy, so no key is ever remembered or replayed. The framework's
  // store wants a positive window all the same.
  idempotencyWindowMillis: 1,
  retrySchedule: RetrySchedule.exponential({
    firstMillis: RetrySchedule.millis.hour,
    factor: 1,
    maxMillis: RetrySchedule.millis.hour,
    withinMillis: RetrySchedule.millis.day
  })
}

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
/** Braintree transaction ids: short lower-case alphanumerics (`8x9m2b7v`). */
export const newTransactionId = (): string => randomString(8, idAlphabet)
const transactionIdPattern = /^[a-z0-9]{6,36}$/

const exponents: Readonly<Record<string, number>> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, JPY: 0, KMF: 0, KRW: 0, MGA: 0, PYG: 0, RWF: 0, UGX: 0, VND: 0, VUV: 0, XAF: 0,
  XOF: 0, XPF: 0, BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3
}
/** Minor-unit exponent of a currency (2 unless listed). */
export const currencyExponent = (currency: string): number => exponents[currency.toUpperCase()] ?? 2

/** Minor units → Braintree's decimal string (`1200` USD → `"12.00"`). */
export const decimal = (minor: number, currency: string): string => {
  const exponent = currencyExponent(currency)
  if (exponent === 0) return String(minor)
  const digits = String(minor).padStart(exponent + 1, "0")
  return `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`
}

/** Braintree's decimal string → minor units; undefined when it is not one (more decimals than the currency has). */
export const minorOf = (value: string, currency: string): number | undefined => {
  const exponent = currencyExponent(currency)
  const match = /^(\d{1,12})(?:\.(\d+))?$/.exec(value)
  if (match === null) return undefined
  const fraction = match[2] ?? ""
  if (fraction.length > exponent) return undefined
  return Number(match[1]) * 10 ** exponent + Number(fraction.padEnd(exponent, "0") || "0")
}

// ---------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------

/** Validation codes (braintree_node `validation_error_codes.js`) with Braintree's messages. */
export const codes = {
  amountCannotBeNegative: { code: "81501", attribute: "amount", message: "Amount cannot be negative." },
  amountFormatIsInvalid: { code: "81503", attribute: "amount", message: "Amount is an invalid format." },
  amountMustBeGreaterThanZero: { code: "81531", attribute: "amount", message: "Amount must be greater than zero." },
  orderIdIsTooLong: { code: "91501", attribute: "order_id", message: "Order ID is too long." },
  cannotBeVoided: { code: "91504", attribute: "base", message: "Transaction can only be voided if status is authorized, submitted_for_settlement, or - for PayPal - settlement_pending." },
  cannotRefundCredit: { code: "91505", attribute: "base", message: "Cannot refund credit" },
  cannotRefundUnlessSettled: { code: "91506", attribute: "base", message: "Cannot refund transaction unless it is settled." },
  hasAlreadyBeenRefunded: { code: "91512", attribute: "base", message: "Transaction has already been completely refunded." },
  refundAmountIsTooLarge: { code: "91521", attribute: "amount", message: "Refund amount is too large." },
  merchantAccountIdIsInvalid: { code: "91513", attribute: "merchant_account_id", message: "Merchant account ID is invalid." }
} as const

export type ValidationError = { readonly code: string; readonly attribute: string; readonly message: string }

const xmlResponse = (status: number, body: string, headers?: Readonly<Record<string, string>>) =>
  HttpServerResponse.text(body, {
    status,
    contentType: "application/xml; charset=utf-8",
    ...(headers === undefined ? {} : { headers })
  })

/** An empty-bodied answer with a status (401, 403, 404, 426, 429, 5xx: the SDK reads the status alone). */
export const statusOnly = (status: number) => xmlResponse(status, " ")

/**
 * 422 `<api-error-response>`: `errors` nests the validation errors under the object they are about
 * (`errors/transaction/errors`), with `message` the joined messages and `params` the request's parameters.
 */
export const validationError = (errors: ReadonlyArray<ValidationError>, params: Readonly<Record<string, string>> = {}) =>
  xmlResponse(
    422,
    Xml.document(
      Xml.element("api-error-response", [
        Xml.element("errors", [
          Xml.array("errors", []),
          Xml.element("transaction", [
            Xml.array(
              "errors",
              errors.map((e) =>
                Xml.element("error", [Xml.text("code", e.code), Xml.text("attribute", e.attribute, { type: "symbol" }), Xml.text("message", e.message)])
              )
            )
          ])
        ]),
        Xml.element("params", [Xml.element("transaction", Object.entries(params).map(([k, v]) => Xml.text(k, v)))]),
        Xml.text("message", errors.map((e) => e.message).join("\n"))
      ])
    )
  )

// ---------------------------------------------------------------------------------------------------------------
// Transactions
// ---------------------------------------------------------------------------------------------------------------

/** The settlement batch a refund settled in: `<date>_<merchant account id>` (the format Braintree shows). */
export const settlementBatchId = (settledAt: number, merchantAccountId: string): string =>
  `${new Date(settledAt).toISOString().slice(0, 10)}_${merchantAccountId}`

const processorResponse = (status: string): { readonly code: string; readonly text: string; readonly type: string } =>
  status === "processor_declined"
    ? { code: "2000", text: "Do Not Honor", type: "soft_declined" }
    : status === "gateway_rejected" || status === "failed"
    ? { code: "3000", text: "Processor Network Unavailable - Try Again", type: "soft_declined" }
    : { code: "1000", text: "Approved", type: "approved" }

/** A refund (a `credit` transaction) as Braintree's XML shows it. */
export const refundNode = (refund: RefundRecord<BraintreeRefundAttributes>): Xml.Node => {
  const a = refund.attributes
  const settled = refund.history.find((h) => h.status === "settled")
  const processor = processorResponse(refund.status)
  return Xml.element("transaction", [
    Xml.text("id", refund.id),
    Xml.text("status", refund.status),
    Xml.text("type", "credit"),
    Xml.text("currency-iso-code", refund.currency),
    Xml.text("amount", decimal(refund.amount, refund.currency)),
    Xml.text("merchant-account-id", a.merchantAccountId),
    Xml.text("order-id", a.orderId),
    Xml.datetime("created-at", refund.createdAt),
    Xml.datetime("updated-at", refund.history.at(-1)?.at ?? refund.createdAt),
    Xml.text("refunded-transaction-id", refund.paymentId),
    Xml.text("processor-response-code", processor.code),
    Xml.text("processor-response-text", processor.text),
    Xml.text("processor-response-type", processor.type),
    Xml.text("settlement-batch-id", settled === undefined ? null : settlementBatchId(settled.at, a.merchantAccountId)),
    Xml.element("disbursement-details", [Xml.text("disbursement-date", null, { type: "date" })]),
    Xml.array(
      "status-history",
      refund.history.map((h) =>
        Xml.element("status-event", [
          Xml.datetime("timestamp", h.at),
          Xml.text("status", h.status),
          Xml.text("amount", decimal(refund.amount, refund.currency)),
          Xml.text("transaction-source", "api")
        ])
      )
    )
  ])
}

/** A seeded payment: a settled `sale` with its refunds' ids. */
export const saleNode = (payment: PaymentRecord, refundIds: ReadonlyArray<string>, merchantAccountId: string): Xml.Node =>
  Xml.element("transaction", [
    Xml.text("id", payment.id),
    Xml.text("status", "settled"),
    Xml.text("type", "sale"),
    Xml.text("currency-iso-code", payment.currency),
    Xml.text("amount", decimal(payment.amount, payment.currency)),
    Xml.text("merchant-account-id", merchantAccountId),
    Xml.text("order-id", payment.reference ?? null),
    Xml.datetime("created-at", payment.createdAt),
    Xml.datetime("updated-at", payment.createdAt),
    Xml.text("refunded-transaction-id", null),
    Xml.array("refund-ids", refundIds.map((id) => Xml.text("item", id))),
    Xml.text("processor-response-code", "1000"),
    Xml.text("processor-response-text", "Approved")
  ])

// ---------------------------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------------------------

/** Hex HMAC-SHA1 keyed with the raw SHA-1 digest of the private key (braintree_node `digest.js`). */
export const hmacSha1Hex = (privateKey: string, data: string): string =>
  createHmac("sha1", createHash("sha1").update(privateKey, "utf8").digest()).update(data, "utf8").digest("hex")

/** `bt_signature`: `<public_key>|<hex HMAC-SHA1 of bt_payload>`. */
export const signature = (publicKey: string, privateKey: string, payload: string): string =>
  `${publicKey}|${hmacSha1Hex(privateKey, payload)}`

/** Verifies a `bt_signature` for `publicKey` over a payload (or payload + "\n"), in constant time. */
export const verifySignature = (signatureParam: string, payload: string, publicKey: string, privateKey: string): boolean => {
  if (/[^A-Za-z0-9+=/\n]/.test(payload)) return false
  const pair = signatureParam.split("&").map((p) => p.split("|")).find((p) => p.length === 2 && p[0] === publicKey)
  if (pair === undefined) return false
  const given = Buffer.from(pair[1]!, "utf8")
  return [payload, `${payload}\n`].some((data) => safeEqual(given, Buffer.from(hmacSha1Hex(privateKey, data), "utf8")))
}

/** Base64 in 60-character lines with a final newline (how Braintree's payloads arrive: Ruby's `encode64`). */
export const base64Lines = (text: string): string => {
  const encoded = Buffer.from(text, "utf8").toString("base64")
  const lines: Array<string> = []
  for (let i = 0; i < encoded.length; i += 60) lines.push(encoded.slice(i, i + 60))
  return `${lines.join("\n")}\n`
}

/** The notification kind announcing a refund status (braintree_node `webhook_notification.js` Kind). */
export const kindForStatus = (status: string): string =>
  status === "processor_declined" || status === "gateway_rejected" || status === "failed"
    ? "refund_failed"
    : status === "settlement_declined"
    ? "transaction_settlement_declined"
    : "transaction_settled"

/** Refund-related kinds the emulator sends. */
export const kinds = ["transaction_settled", "transaction_settlement_declined", "refund_failed"] as const

/** The XML notification: `<notification><timestamp/><kind/><subject><transaction/></subject></notification>`. */
export const notificationXml = (kind: string, timestampMillis: number, subject: Xml.Node): string =>
  Xml.fragment(Xml.element("notification", [Xml.datetime("timestamp", timestampMillis), Xml.text("kind", kind), Xml.element("subject", [subject])]))

/** A form-encoded delivery body. */
export const formBody = (signatureParam: string, payload: string): string =>
  new URLSearchParams({ bt_signature: signatureParam, bt_payload: payload }).toString()

// ---------------------------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------------------------

type Kit = Server.EmulatorKit<BraintreeRefundAttributes>

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** The JSON body, or a 422 naming it. Braintree's SDK always sends JSON (`Content-Type: application/json`). */
const jsonBody = (request: EmulatorRequest): Record<string, unknown> | HttpServerResponse.HttpServerResponse => {
  if (request.body.trim() === "") return {}
  try {
    const parsed: unknown = JSON.parse(request.body)
    if (isRecord(parsed)) return parsed
  } catch {
    // fall through
  }
  return xmlResponse(400, " ")
}

const isResponse = (u: unknown): u is HttpServerResponse.HttpServerResponse => HttpServerResponse.isHttpServerResponse(u)

/** The parameters a refund takes (braintree_node `transaction_gateway.js refund(id, { amount, orderId, ... })`). */
export const refundParameters = ["amount", "order_id", "merchant_account_id"] as const

/** Braintree's `order_id` limit: 255 characters. */
export const maxOrderIdLength = 255

const createRefund = (kit: Kit, id: string, request: EmulatorRequest, merchantAccountId: string) => {
  if (!transactionIdPattern.test(id)) return statusOnly(404)
  const body = jsonBody(request)
  if (isResponse(body)) return body
  const extra = Object.keys(body).filter((k) => k !== "transaction")
  const transaction = body["transaction"] ?? {}
  if (extra.length > 0 || !isRecord(transaction)) return statusOnly(400)
  const unknown = Object.keys(transaction).filter((k) => !(refundParameters as ReadonlyArray<string>).includes(k))
  // Unknown keys: Braintree refuses the request outright (the SDK's `verifyKeys` does the same client-side).
  if (unknown.length > 0) return statusOnly(400)
  const params: Record<string, string> = {}
  for (const [k, v] of Object.entries(transaction)) {
    if (typeof v !== "string" && typeof v !== "number") return statusOnly(400)
    params[k] = String(v)
  }
  if (kit.store.get(id) !== undefined) return validationError([codes.cannotRefundCredit], params)
  const payment = kit.store.payment(id)
  if (payment === undefined) return statusOnly(404)
  if (params["merchant_account_id"] !== undefined && params["merchant_account_id"] !== merchantAccountId) {
    return validationError([codes.merchantAccountIdIsInvalid], params)
  }
  const errors: Array<ValidationError> = []
  const orderId = params["order_id"] ?? null
  if (orderId !== null && orderId.length > maxOrderIdLength) errors.push(codes.orderIdIsTooLong)
  const refundable = kit.store.refundable(payment.id)
  if (refundable <= 0) return validationError([codes.hasAlreadyBeenRefunded], params)
  let amount = refundable
  const rawAmount = params["amount"]
  if (rawAmount !== undefined) {
    if (rawAmount.startsWith("-")) errors.push(codes.amountCannotBeNegative)
    else {
      const minor = minorOf(rawAmount, payment.currency)
      if (minor === undefined) errors.push(codes.amountFormatIsInvalid)
      else if (minor === 0) errors.push(codes.amountMustBeGreaterThanZero)
      else if (minor > refundable) errors.push(codes.refundAmountIsTooLarge)
      else amount = minor
    }
  }
  if (errors.length > 0) return validationError(errors, params)
  const refund = kit.store.createRefund({
    id: newTransactionId(),
    payment,
    amount,
    currency: payment.currency,
    // Braintree has no idempotency key; the order id is where a merchant puts its own (Refract: the derived key),
    // so the truth API reports it as the refund's key.
    idempotencyKey: orderId ?? undefined,
    reference: orderId ?? undefined,
    attributes: { orderId, merchantAccountId }
  })
  return xmlResponse(201, Xml.document(refundNode(refund)))
}

const refundIdsOf = (kit: Kit, paymentId: string) => kit.store.list((r) => r.paymentId === paymentId).map((r) => r.id)

const findTransaction = (kit: Kit, id: string, merchantAccountId: string) => {
  if (!transactionIdPattern.test(id)) return statusOnly(404)
  const refund = kit.store.get(id)
  if (refund !== undefined) return xmlResponse(200, Xml.document(refundNode(refund)))
  const payment = kit.store.payment(id)
  if (payment === undefined) return statusOnly(404)
  return xmlResponse(200, Xml.document(saleNode(payment, refundIdsOf(kit, payment.id), merchantAccountId)))
}

const voidTransaction = (kit: Kit, id: string) => {
  if (!transactionIdPattern.test(id)) return statusOnly(404)
  const refund = kit.store.get(id)
  if (refund === undefined) {
    return kit.store.payment(id) === undefined ? statusOnly(404) : validationError([codes.cannotBeVoided])
  }
  if (refund.status !== "submitted_for_settlement") return validationError([codes.cannotBeVoided])
  kit.store.transitionTo(id, "voided", "api")
  return xmlResponse(200, Xml.document(refundNode(kit.store.get(id)!)))
}

/** The search criteria the emulator evaluates (others are refused). */
export const searchCriteria = ["ids", "order_id", "type", "status", "created_at", "id"] as const

type Criteria = Readonly<Record<string, unknown>>

const textMatches = (criterion: unknown, value: string | null): boolean | undefined => {
  if (!isRecord(criterion)) return undefined
  for (const [op, expected] of Object.entries(criterion)) {
    if (typeof expected !== "string") return undefined
    const v = value ?? ""
    const ok = op === "is" ? v === expected
      : op === "is_not" ? v !== expected
      : op === "starts_with" ? v.startsWith(expected)
      : op === "ends_with" ? v.endsWith(expected)
      : op === "contains" ? v.includes(expected)
      : undefined
    if (ok === undefined) return undefined
    if (!ok) return false
  }
  return true
}

const listMatches = (criterion: unknown, value: string): boolean | undefined =>
  Array.isArray(criterion) && criterion.every((c) => typeof c === "string") ? criterion.includes(value) : undefined

const rangeMatches = (criterion: unknown, millis: number): boolean | undefined => {
  if (!isRecord(criterion)) return undefined
  for (const [op, bound] of Object.entries(criterion)) {
    if (typeof bound !== "string") return undefined
    const at = Date.parse(bound)
    if (Number.isNaN(at)) return undefined
    if (op === "min" ? millis < at : op === "max" ? millis > at : op === "is" ? millis !== at : undefined) return false
    if (op !== "min" && op !== "max" && op !== "is") return undefined
  }
  return true
}

/** The refunds a search matches (oldest first), or a refusal when a criterion is unknown or malformed. */
const search = (kit: Kit, request: EmulatorRequest) => {
  const body = jsonBody(request)
  if (isResponse(body)) return body
  const criteria = body["search"]
  if (!isRecord(criteria)) return statusOnly(400)
  for (const key of Object.keys(criteria)) if (!(searchCriteria as ReadonlyArray<string>).includes(key)) return statusOnly(400)
  const c: Criteria = criteria
  const checks: Array<(r: RefundRecord<BraintreeRefundAttributes>) => boolean | undefined> = []
  if (c["ids"] !== undefined) checks.push((r) => listMatches(c["ids"], r.id))
  if (c["id"] !== undefined) checks.push((r) => textMatches(c["id"], r.id))
  if (c["order_id"] !== undefined) checks.push((r) => textMatches(c["order_id"], r.attributes.orderId))
  if (c["type"] !== undefined) checks.push(() => listMatches(c["type"], "credit"))
  if (c["status"] !== undefined) checks.push((r) => listMatches(c["status"], r.status))
  if (c["created_at"] !== undefined) checks.push((r) => rangeMatches(c["created_at"], r.createdAt))
  const probe = kit.store.list()
  // Malformed criteria are refused whether or not a refund exists to test them on.
  const sample = probe[0]
  if (sample !== undefined && checks.some((check) => check(sample) === undefined)) return statusOnly(400)
  if (sample === undefined) {
    const dummy = { id: "x", attributes: { orderId: null, merchantAccountId: "" }, status: "", paymentId: "", createdAt: 0 } as unknown as RefundRecord<BraintreeRefundAttributes>
    if (checks.some((check) => check(dummy) === undefined)) return statusOnly(400)
  }
  return probe.filter((r) => checks.every((check) => check(r) === true)).toSorted((a, b) => a.seq - b.seq)
}

/** Search pages hold 50 transactions (`<page-size>` of `advanced_search_ids`). */
export const searchPageSize = 50

const withParams = (f: (params: Readonly<Record<string, string | undefined>>, request: EmulatorRequest) => HttpServerResponse.HttpServerResponse) =>
  Effect.gen(function*() {
    const params = yield* HttpRouter.params
    return f(params, yield* readRequest)
  })

const routes = (merchantId: string, merchantAccountId: string) => {
  const merchant = (p: Readonly<Record<string, string | undefined>>) => p.mid === merchantId
  return (kit: Kit): Layer.Layer<never, never, HttpRouter.HttpRouter> => HttpRouter.use((router) =>
    Effect.gen(function*() {
      yield* router.add(
        "POST",
        "/merchants/:mid/transactions/advanced_search_ids",
        withParams((p, request) => {
          if (!merchant(p)) return statusOnly(404)
          const found = search(kit, request)
          if (isResponse(found)) return found
          return xmlResponse(
            200,
            Xml.document(Xml.element("search-results", [Xml.integer("page-size", searchPageSize), Xml.array("ids", found.map((r) => Xml.text("item", r.id)))]))
          )
        })
      )
      yield* router.add(
        "POST",
        "/merchants/:mid/transactions/advanced_search",
        withParams((p, request) => {
          if (!merchant(p)) return statusOnly(404)
          const found = search(kit, request)
          if (isResponse(found)) return found
          const page = found.slice(0, searchPageSize)
          return xmlResponse(
            200,
            Xml.document(
              Xml.element("credit-card-transactions", [
                Xml.integer("current-page-number", 1),
                Xml.integer("page-size", searchPageSize),
                Xml.integer("total-items", found.length),
                ...page.map(refundNode)
              ], { type: "collection" })
            )
          )
        })
      )
      yield* router.add(
        "POST",
        "/merchants/:mid/transactions/:id/refund",
        withParams((p, request) => (merchant(p) ? createRefund(kit, p.id ?? "", request, merchantAccountId) : statusOnly(404)))
      )
      yield* router.add(
        "PUT",
        "/merchants/:mid/transactions/:id/void",
        withParams((p) => (merchant(p) ? voidTransaction(kit, p.id ?? "") : statusOnly(404)))
      )
      yield* router.add(
        "GET",
        "/merchants/:mid/transactions/:id",
        withParams((p) => (merchant(p) ? findTransaction(kit, p.id ?? "", merchantAccountId) : statusOnly(404)))
      )
      yield* router.add("*", "/*", Effect.succeed(statusOnly(404)))
    })
  )
}

/** Builds the emulator definition (one per instance). */
export const definition = (options: BraintreeEmulatorOptions = {}): Server.EmulatorDefinition<BraintreeRefundAttributes> => {
  const merchantId = options.merchantId ?? defaultMerchantId
  const publicKey = options.publicKey ?? options.apiKey ?? defaultPublicKey
  const privateKey = options.privateKey ?? options.webhookSecret ?? defaultPrivateKey
  const merchantAccountId = options.merchantAccountId ?? defaultMerchantAccountId

  const authenticate = (request: EmulatorRequest): HttpServerResponse.HttpServerResponse | undefined => {
    const header = request.headers["authorization"] ?? ""
    const basic = /^Basic ([A-Za-z0-9+/]+={0,2})$/.exec(header)
    if (basic === null) return statusOnly(401)
    const decoded = Buffer.from(basic[1]!, "base64").toString("utf8")
    const colon = decoded.indexOf(":")
    if (colon === -1 || decoded.slice(0, colon) !== publicKey || decoded.slice(colon + 1) !== privateKey) return statusOnly(401)
    // The SDK sends `X-ApiVersion: 6`; an API version the gateway no longer serves is 426 Upgrade Required.
    if (request.headers["x-apiversion"] !== "6") return statusOnly(426)
    return undefined
  }

  return {
    name: "braintree",
    credentials: { merchantId, publicKey, privateKey, merchantAccountId },
    webhookSecret: privateKey,
    webhookUrl: options.webhookUrl,
    lifecycle,
    ...Server.numbers(options, numbers),
    newPayment: (input) => ({ id: newTransactionId(), currency: input.currency.toUpperCase() }),
    authenticate,
    faults: {
      rateLimit: () => statusOnly(429),
      serverError: (status) => statusOnly(status)
    },
    routes: routes(merchantId, merchantAccountId),
    webhooks: {
      eventsFor: (transition) => {
        if (transition.from === undefined) return []
        if (transition.to === "settled") return ["transaction_settled"]
        if (transition.to === "settlement_declined") return ["transaction_settlement_declined"]
        if (["processor_declined", "gateway_rejected", "failed"].includes(transition.to)) return ["refund_failed"]
        return []
      },
      defaultEventType: (refund) => kindForStatus(refund.status),
      render: (refund, kind, render) => {
        const at = render.timestampSeconds !== undefined ? render.timestampSeconds * 1000 : refund.history.at(-1)?.at ?? render.now
        const payload = base64Lines(notificationXml(kind, at, refundNode(refund)))
        const signed = signature(publicKey, render.secret, payload)
        let sent = payload
        if (render.tamper === true) {
          const tampered = { ...refund, amount: refund.amount + 1 } as RefundRecord<BraintreeRefundAttributes>
          sent = base64Lines(notificationXml(kind, at, refundNode(tampered)))
        }
        return {
          headers: { "content-type": "application/x-www-form-urlencoded", "user-agent": "Braintree-Webhooks" },
          body: formBody(signed, sent)
        }
      },
      eventId: (message) => {
        const payload = new URLSearchParams(message.body).get("bt_payload") ?? message.body
        return createHash("sha256").update(payload).digest("hex").slice(0, 24)
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------------------------

/** The Braintree emulator as its own service key (same shape as `EmulatorService`). */
export class Service extends Context.Service<Service, Emulator>()("@refract/testkit/BraintreeEmulator") {}

/** Starts a Braintree emulator in the current scope. */
export const make = (
  options: BraintreeEmulatorOptions = {}
): Effect.Effect<Server.RunningEmulator<BraintreeRefundAttributes>, ServeError, Scope.Scope> =>
  Effect.suspend(() => Server.make(definition(options), Server.serverOptions(options)))

/** Starts a Braintree emulator; stop it with `close()`. */
export const start = (options: BraintreeEmulatorOptions = {}): Promise<Emulator> =>
  Server.start(definition(options), Server.serverOptions(options))

/** A layer providing the running emulator as `EmulatorService` and {@link Service}. */
export const layer = (options: BraintreeEmulatorOptions = {}): Layer.Layer<EmulatorService | Service, ServeError> =>
  Server.layer(() => definition(options), Server.serverOptions(options), Service)
