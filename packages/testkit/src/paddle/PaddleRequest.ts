/**
 * What the Paddle emulator accepts on the wire, and how it refuses the rest.
 *
 * Sources (facts only; no code was copied):
 * - `POST /adjustments` body: @paddle/paddle-node-sdk 3.10.0 `resources/adjustments/operations/create-adjustment-request-body`
 *   (`action`, `transactionId`, `reason`, `type` 'full' | 'partial', `items[{ itemId, type, amount }]`, `taxMode`
 *   'internal' | 'external'; the SDK sends them snake_cased) and https://developer.paddle.com/api-reference/adjustments/create-adjustment
 *   ("If omitted, defaults to partial"; items "Required if type is not populated or set to partial"; tax_mode "Only valid
 *   for adjustments where the type is partial").
 * - `GET /adjustments` query: the SDK's `ListAdjustmentQueryParameters` (`action`, `after`, `customer_id`, `order_by`,
 *   `per_page`, `status`, `subscription_id`, `transaction_id`, `id`) and https://developer.paddle.com/api-reference/adjustments/list-adjustments:
 *   `order_by` default `id[DESC]`; `per_page` default 10, maximum 50, larger values answered with the maximum;
 *   `id`, `action`, `customer_id`, `status`, `transaction_id` take comma-separated lists. (docs.rs/paddle-rust-sdk says
 *   "Default: 50; Maximum: 200" for this list; Paddle's own reference says 10 and 50, and wins.)
 * - Error bodies `{ error: { type, code, detail, documentation_url, errors? }, meta: { request_id } }`: the SDK's
 *   `ErrorResponse` type and https://developer.paddle.com/errors (codes and statuses of each error page cited where used).
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { HttpServerResponse } from "effect/http"
import type { EmulatorRequest } from "../emulator/Http.ts"
import { json } from "../emulator/Http.ts"

export interface PaddleErrorFields {
  readonly type?: "request_error" | "api_error"
  readonly code: string
  readonly detail: string
  readonly errors?: ReadonlyArray<{ readonly field: string; readonly message: string }>
}

/** Paddle's error page for a code: shared codes under `/errors/shared/`, adjustment codes under `/errors/adjustments/`. */
export const documentationUrl = (code: string): string =>
  `https://developer.paddle.com/errors/${code.startsWith("adjustment_") ? "adjustments" : code.startsWith("transaction_") ? "transactions" : "shared"}/${code}`

/** A Paddle error answer. */
export const errorResponse = (
  status: number,
  fields: PaddleErrorFields,
  headers?: Readonly<Record<string, string>>
): HttpServerResponse.HttpServerResponse =>
  json(
    status,
    {
      error: {
        type: fields.type ?? "request_error",
        code: fields.code,
        detail: fields.detail,
        documentation_url: documentationUrl(fields.code),
        ...(fields.errors === undefined ? {} : { errors: fields.errors })
      },
      meta: { request_id: randomUUID() }
    },
    headers === undefined ? {} : { headers }
  )

/** `invalid_field` (400): "Request does not pass validation", with one entry per bad field (https://developer.paddle.com/errors). */
export const invalidField = (field: string, message: string): HttpServerResponse.HttpServerResponse =>
  errorResponse(400, { code: "invalid_field", detail: "Request does not pass validation.", errors: [{ field, message }] })

export const isResponse = (u: unknown): u is HttpServerResponse.HttpServerResponse => HttpServerResponse.isHttpServerResponse(u)

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** Body fields of `POST /adjustments`. */
export const createFields = ["action", "transaction_id", "reason", "type", "items", "tax_mode"] as const
/** Fields of one item of `items`. */
export const itemFields = ["item_id", "type", "amount"] as const

export interface CreateItem {
  readonly itemId: string
  readonly type: "full" | "partial"
  /** Minor units; present for `partial` items. */
  readonly amount: number | undefined
}

export interface CreateParams {
  readonly action: string
  readonly transactionId: string
  readonly reason: string
  readonly type: "full" | "partial"
  readonly items: ReadonlyArray<CreateItem>
  readonly taxMode: "internal" | "external"
}

const actions = new Set(["credit", "refund", "chargeback", "chargeback_reverse", "chargeback_warning", "chargeback_warning_reverse", "credit_reverse"])

/** Paddle ids: a prefix and 26 lower-case base32 characters (`adj_01gya6twkp8y0tv1e19rsgst9m`; the event schema's `^evt_[a-z\d]{26}$`). */
export const idPattern = (prefix: string): RegExp => new RegExp(`^${prefix}_[a-z\\d]{26}$`)

/** Reads and checks the body of `POST /adjustments`; a Paddle error answer when it is not acceptable. */
export const createParams = (request: EmulatorRequest): CreateParams | HttpServerResponse.HttpServerResponse => {
  let body: unknown
  try {
    body = JSON.parse(request.body)
  } catch {
    return errorResponse(400, { code: "bad_request", detail: "Invalid request." })
  }
  if (!isRecord(body)) return errorResponse(400, { code: "bad_request", detail: "Invalid request." })
  for (const key of Object.keys(body)) {
    if (!(createFields as ReadonlyArray<string>).includes(key)) return invalidField(key, "property is not allowed")
  }
  const { action, transaction_id, reason } = body
  if (action === undefined) return invalidField("action", "property must be provided as part of the request")
  if (typeof action !== "string" || !actions.has(action)) return invalidField("action", "must be one of the allowed values")
  if (transaction_id === undefined) return invalidField("transaction_id", "property must be provided as part of the request")
  if (typeof transaction_id !== "string" || !idPattern("txn").test(transaction_id)) {
    return invalidField("transaction_id", "must be a valid Paddle ID prefixed with txn_")
  }
  if (reason === undefined) return invalidField("reason", "property must be provided as part of the request")
  if (typeof reason !== "string" || reason.trim() === "") return invalidField("reason", "must be a non-empty string")
  const type = body["type"] ?? "partial"
  if (type !== "full" && type !== "partial") return invalidField("type", "must be one of the allowed values: full, partial")
  const taxMode = body["tax_mode"] ?? "internal"
  if (taxMode !== "internal" && taxMode !== "external") return invalidField("tax_mode", "must be one of the allowed values: internal, external")
  if (type === "full") {
    if (body["items"] !== undefined) return invalidField("items", "items must not be provided when type is full")
    if (body["tax_mode"] !== undefined) return invalidField("tax_mode", "tax_mode is only valid when type is partial")
    return { action, transactionId: transaction_id, reason, type, items: [], taxMode }
  }
  const rawItems = body["items"]
  if (rawItems === undefined) return invalidField("items", "property must be provided as part of the request")
  if (!Array.isArray(rawItems) || rawItems.length === 0) return invalidField("items", "must be a non-empty array")
  const items: Array<CreateItem> = []
  for (const [i, raw] of rawItems.entries()) {
    const at = `items[${i}]`
    if (!isRecord(raw)) return invalidField(at, "must be an object")
    for (const key of Object.keys(raw)) {
      if (!(itemFields as ReadonlyArray<string>).includes(key)) return invalidField(`${at}.${key}`, "property is not allowed")
    }
    const itemId = raw["item_id"]
    if (typeof itemId !== "string" || !idPattern("txnitm").test(itemId)) return invalidField(`${at}.item_id`, "must be a valid Paddle ID prefixed with txnitm_")
    const itemType = raw["type"]
    if (itemType !== "full" && itemType !== "partial") return invalidField(`${at}.type`, "must be one of the allowed values: full, partial")
    const amount = raw["amount"]
    if (itemType === "partial") {
      // Amounts are strings of minor units ("amount": "1500").
      if (typeof amount !== "string" || !/^\d{1,18}$/.test(amount)) return invalidField(`${at}.amount`, "must be a string of digits (lowest denomination)")
      items.push({ itemId, type: itemType, amount: Number(amount) })
    } else {
      if (amount !== undefined && amount !== null) return invalidField(`${at}.amount`, "amount must not be provided for a full item")
      items.push({ itemId, type: itemType, amount: undefined })
    }
  }
  return { action, transactionId: transaction_id, reason, type, items, taxMode }
}

/** Query parameters of `GET /adjustments`. */
export const listParameters = ["action", "after", "customer_id", "id", "order_by", "per_page", "status", "subscription_id", "transaction_id"] as const

export const PER_PAGE_DEFAULT = 10
export const PER_PAGE_MAX = 50

export interface ListParams {
  readonly actions: ReadonlyArray<string> | undefined
  readonly after: string | undefined
  readonly ids: ReadonlyArray<string> | undefined
  readonly transactionIds: ReadonlyArray<string> | undefined
  readonly statuses: ReadonlyArray<string> | undefined
  readonly customerIds: ReadonlyArray<string> | undefined
  readonly descending: boolean
  readonly perPage: number
}

const statuses = new Set(["pending_approval", "approved", "rejected", "reversed"])

const list = (value: string | undefined): ReadonlyArray<string> | undefined =>
  value === undefined ? undefined : value.split(",").map((s) => s.trim()).filter((s) => s !== "")

/** Reads and checks the query of `GET /adjustments`. */
export const listParams = (query: URLSearchParams): ListParams | HttpServerResponse.HttpServerResponse => {
  for (const key of query.keys()) {
    if (!(listParameters as ReadonlyArray<string>).includes(key)) return invalidField(key, "unknown query parameter")
  }
  const one = (name: string) => query.get(name) ?? undefined
  const orderBy = one("order_by") ?? "id[DESC]"
  if (orderBy !== "id[ASC]" && orderBy !== "id[DESC]") return invalidField("order_by", "order_by must be id[ASC] or id[DESC]")
  const perPageText = one("per_page")
  let perPage = PER_PAGE_DEFAULT
  if (perPageText !== undefined) {
    if (!/^\d{1,6}$/.test(perPageText) || Number(perPageText) < 1) return invalidField("per_page", "must be a positive integer")
    perPage = Math.min(Number(perPageText), PER_PAGE_MAX)
  }
  const after = one("after")
  if (after !== undefined && !idPattern("adj").test(after)) return invalidField("after", "must be a valid Paddle ID prefixed with adj_")
  const ids = list(one("id"))
  if (ids?.some((id) => !idPattern("adj").test(id))) return invalidField("id", "must be valid Paddle IDs prefixed with adj_")
  const transactionIds = list(one("transaction_id"))
  if (transactionIds?.some((id) => !idPattern("txn").test(id))) return invalidField("transaction_id", "must be valid Paddle IDs prefixed with txn_")
  const wanted = list(one("status"))
  if (wanted?.some((s) => !statuses.has(s))) return invalidField("status", "must be one of the allowed values")
  const wantedActions = list(one("action"))
  if (wantedActions?.some((a) => !actions.has(a))) return invalidField("action", "must be one of the allowed values")
  return {
    actions: wantedActions,
    after,
    ids,
    transactionIds,
    statuses: wanted,
    customerIds: list(one("customer_id")),
    descending: orderBy === "id[DESC]",
    perPage
  }
}
