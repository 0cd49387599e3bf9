/**
 * A stateful GoCardless emulator speaking GoCardless's wire format for refunds: `POST /refunds` (the
 * `{"refunds": {...}}` envelope), `GET /refunds/:id`, `GET /refunds` (cursor pagination), the
 * `{"error": {message, documentation_url, type, request_id, code, errors}}` bodies, `Authorization: Bearer`,
 * the `GoCardless-Version` header, the `Idempotency-Key` header (a replay is answered 409
 * `idempotent_creation_conflict` with `links.conflicting_resource_id`, not with the first answer), and
 * `Webhook-Signature` webhooks (`{"events": [...]}` whose refund events carry an action, never a status).
 *
 * Sources (facts only; no code was copied; see connectors/gocardless/README.md "Facts and sources"):
 * - gocardless-nodejs 10.1.2 (npm): `types/services/refundService.d.ts` (create `amount`, `links`, `metadata`,
 *   `reference`, `total_amount_confirmation`; list `after`, `before`, `created_at`, `limit`, `mandate`, `payment`,
 *   `refund_type`), `types/types/Types.d.ts` (refund fields, `RefundStatus`), `esm/api/api.js` (headers,
 *   `Idempotency-Key` on every POST, base URLs), `esm/errors.js` (error envelope and classes),
 *   `esm/webhooks.js` (`Webhook-Signature` = hex HMAC-SHA256 of the raw body).
 * - gocardless-nodejs@d15252a `src/fixtures/*.json`: the real error bodies (409 idempotent_creation_conflict,
 *   429 rate_limit_exceeded, 401 unauthorized, 422 validation_failed).
 * - gocardless-pro-java@1b63ad6 `resources/Refund.java` and `services/RefundService.java`: status meanings,
 *   metadata limits (3 keys, names ≤ 50, values ≤ 500), `total_amount_confirmation` "must be supplied if
 *   links[payment] is present", create errors `total_amount_confirmation_invalid`,
 *   `available_refund_amount_insufficient`, `number_of_refunds_exceeded`.
 *
 * @since 0.1.0
 */
import { createHash, randomUUID } from "node:crypto"
import { Context, Effect, Layer } from "effect"
import type { Scope } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import type { ServeError } from "effect/http/HttpServerError"
import type { Emulator, EmulatorOptions, EmulatorService, Outcome } from "../emulator/Emulator.ts"
import type { EmulatorRequest } from "../emulator/Http.ts"
import { json, randomString, readRequest } from "../emulator/Http.ts"
import { checkLag } from "../emulator/ListingIndex.ts"
import type { Lifecycle, RefundRecord, Step } from "../emulator/RefundStore.ts"
import * as RetrySchedule from "../emulator/RetrySchedule.ts"
import * as Server from "../emulator/Server.ts"
import { hmacSha256Hex, safeEqual } from "../emulator/Webhooks.ts"

/** Options of the GoCardless emulator. */
export interface GoCardlessEmulatorOptions extends EmulatorOptions {
  /** The one valid access token (`sandbox_…`). `apiKey` is accepted as an alias. */
  readonly accessToken?: string
  /**
   * How long (emulator ms) a new refund or status change takes to show in `GET /refunds`. GoCardless documents
   * no lag, so the default is 0; set it to test a reconciler against a late listing.
   */
  readonly listLagMillis?: number
}

export const defaultAccessToken = "sandbox_EmulatorAccessToken0123456789abcdef"
/** The webhook endpoint secret GoCardless generates for an endpoint (any string to the signer). */
export const defaultWebhookSecret = "gocardless-emulator-webhook-endpoint-secret"
/** The only API version there is (gocardless-nodejs `API_VERSION`). */
export const API_VERSION = "2015-07-06"

/** GoCardless refund statuses (gocardless-nodejs `RefundStatus`). */
export const statuses = ["created", "pending_submission", "submitted", "paid", "cancelled", "bounced", "funds_returned"] as const

/** Metadata: "Up to 3 keys are permitted, with key names up to 50 characters and values up to 500 characters." */
export const MAX_METADATA_KEYS = 3
export const MAX_METADATA_KEY_LENGTH = 50
export const MAX_METADATA_VALUE_LENGTH = 500
/** `limit` of list endpoints: 1..500, default 50 (GoCardless cursor pagination) [limit from the brief; default unconfirmed]. */
export const MAX_LIMIT = 500
export const DEFAULT_LIMIT = 50

/** GoCardless-specific state of an emulated refund. */
export interface GoCardlessRefundAttributes {
  readonly reference: string | null
  metadata: Record<string, string>
  readonly mandate: string
}

/**
 * How each {@link Outcome} plays out after `created`. A refund is paid (included in a payout) one settle delay
 * after its creation; a failed one bounces and its funds come back (`funds_returned`); GoCardless can report a
 * paid refund failed days later ("A refund can fail even after it's been settled"): `succeeded_then_failed`
 * bounces, `succeeded_then_reversed` bounces and has its funds returned; `canceled` ends `cancelled`;
 * `requires_action` walks `pending_submission` and `submitted` and stays there. (The intermediate statuses are
 * folded into the one settle step of the other outcomes: the emulator's time is compressed.)
 */
export const lifecycle: Lifecycle = {
  initialStatus: "created",
  steps: (outcome: Outcome, reason: string | undefined): ReadonlyArray<Step> => {
    switch (outcome) {
      case "succeeded":
        return [{ status: "paid" }]
      case "succeeded_then_reversed":
        return [{ status: "paid" }, { status: "bounced", after: "reversal", reason: reason ?? "refund_failed" }, { status: "funds_returned" }]
      case "succeeded_then_failed":
        return [{ status: "paid" }, { status: "bounced", after: "reversal", reason: reason ?? "refund_failed" }]
      case "failed":
        return [{ status: "bounced", reason: reason ?? "refund_failed" }, { status: "funds_returned" }]
      case "canceled":
        return [{ status: "cancelled", reason: reason ?? "refund_cancelled" }]
      case "requires_action":
        // Held before the banks: submitted, never paid until the test moves it.
        return [{ status: "pending_submission" }, { status: "submitted" }]
    }
  },
  holdsFunds: (status) => status !== "cancelled" && status !== "bounced" && status !== "funds_returned",
  successStatuses: ["paid"]
}

/**
 * GoCardless's numbers:
 * - idempotency keys: no retention period found in GoCardless's material; 24 h declared [unconfirmed];
 * - webhook retries: GoCardless retries failed deliveries (brief; schedule unpublished here): 1 min doubling,
 *   capped at 4 h, within 3 days [derived].
 */
export const numbers: Server.ProcessorNumbers = {
  timing: Server.defaultTiming,
  idempotencyWindowMillis: RetrySchedule.millis.day,
  retrySchedule: RetrySchedule.exponential({
    firstMillis: RetrySchedule.millis.minute,
    factor: 2,
    maxMillis: 4 * RetrySchedule.millis.hour,
    withinMillis: 3 * RetrySchedule.millis.day
  })
}

const idAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
/** `PM` + 12 upper-case letters or digits (GoCardless ids: "Unique identifier, beginning with PM"). */
export const newPaymentId = (): string => `PM${randomString(12, idAlphabet)}`
export const newRefundId = (): string => `RF${randomString(12, idAlphabet)}`
const newMandateId = (): string => `MD${randomString(12, idAlphabet)}`

const refundIdPattern = /^RF[0-9A-Z]{1,30}$/
const paymentIdPattern = /^PM[0-9A-Z]{1,30}$/

// ---------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------

export type ErrorType = "invalid_api_usage" | "invalid_state" | "validation_failed" | "gocardless"

export interface ErrorDetail {
  readonly reason?: string
  readonly field?: string
  readonly message: string
  readonly request_pointer?: string
  readonly links?: Record<string, string>
}

/** `{"error": {message, documentation_url, type, request_id, code, errors}}` (gocardless-nodejs fixtures). */
export const errorResponse = (
  status: number,
  type: ErrorType,
  message: string,
  errors: ReadonlyArray<ErrorDetail>,
  headers?: Readonly<Record<string, string>>
): HttpServerResponse.HttpServerResponse => {
  const anchor = errors[0]?.reason ?? type
  return json(
    status,
    {
      error: {
        message,
        documentation_url: `https://developer.gocardless.com/api-reference#${anchor}`,
        type,
        request_id: randomUUID(),
        code: status,
        errors
      }
    },
    headers === undefined ? {} : { headers }
  )
}

const usage = (status: number, reason: string, message: string) => errorResponse(status, "invalid_api_usage", message, [{ reason, message }])
const validation = (field: string, message: string, reason?: string) =>
  errorResponse(422, "validation_failed", "Validation failed", [{ field, message, request_pointer: `/refunds/${field}`, ...(reason === undefined ? {} : { reason }) }])
const notFound = () => usage(404, "resource_not_found", "Resource not found")

// ---------------------------------------------------------------------------------------------------------------
// Entities
// ---------------------------------------------------------------------------------------------------------------

/** The refund resource (gocardless-nodejs `Types.Refund`). */
export const refundResource = (refund: RefundRecord<GoCardlessRefundAttributes>, status: string = refund.status): Record<string, unknown> => ({
  id: refund.id,
  amount: refund.amount,
  created_at: new Date(refund.createdAt).toISOString(),
  currency: refund.currency,
  fx: { fx_currency: null, fx_amount: null, exchange_rate: null, estimated_exchange_rate: null },
  links: { payment: refund.paymentId, mandate: refund.attributes.mandate },
  metadata: { ...refund.attributes.metadata },
  reference: refund.attributes.reference,
  status
})

// ---------------------------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------------------------

/** `Webhook-Signature`: hex HMAC-SHA256 of the raw body under the endpoint secret. */
export const signature = (body: string, secret: string): string => hmacSha256Hex(secret, body)
export const verifySignature = (body: string, header: string, secret: string): boolean =>
  safeEqual(Buffer.from(header, "utf8"), Buffer.from(signature(body, secret), "utf8"))

/**
 * The refund events a status change causes. GoCardless's refund actions are `created`, `paid`, `refund_settled`
 * ("the refund has been deducted from a payout"), `failed` ("the refund did not reach your customer, the funds
 * will be returned to you") and `funds_returned`; a cancellation has no documented action, so it sends none.
 */
export const actionsForStatus = (status: string): ReadonlyArray<string> => {
  switch (status) {
    case "paid":
      return ["paid", "refund_settled"]
    case "bounced":
      return ["failed"]
    case "funds_returned":
      return ["funds_returned"]
    default:
      return []
  }
}

/** The action `signedWebhook` sends for a refund's current state. */
export const actionForStatus = (status: string): string => {
  switch (status) {
    case "paid":
      return "paid"
    case "bounced":
      return "failed"
    case "funds_returned":
      return "funds_returned"
    default:
      return "created"
  }
}

const causes: Readonly<Record<string, { readonly origin: string; readonly cause: string; readonly description: string }>> = {
  created: { origin: "api", cause: "refund_created", description: "The refund has been created and will be submitted in the next batch." },
  paid: { origin: "gocardless", cause: "refund_paid", description: "The refund has been paid to your customer." },
  refund_settled: { origin: "gocardless", cause: "refund_settled", description: "The refund has been deducted from a payout." },
  failed: { origin: "gocardless", cause: "refund_failed", description: "The refund did not reach your customer. The funds will be returned to you." },
  funds_returned: { origin: "gocardless", cause: "refund_funds_returned", description: "The funds for the refund have been returned to you." }
}

// ---------------------------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------------------------

type Kit = Server.EmulatorKit<GoCardlessRefundAttributes>

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)
const characters = (text: string): number => [...text].length

const createParameters = new Set(["amount", "links", "metadata", "reference", "total_amount_confirmation"])
const linkParameters = new Set(["payment", "mandate"])

interface CreateParams {
  readonly amount: number
  readonly payment: string
  readonly confirmation: number | undefined
  readonly metadata: Record<string, string>
  readonly reference: string | null
}

const readCreate = (request: EmulatorRequest): CreateParams | HttpServerResponse.HttpServerResponse => {
  let body: unknown
  try {
    body = JSON.parse(request.body)
  } catch {
    return usage(400, "invalid_document_structure", "Invalid document structure")
  }
  if (!isRecord(body) || !isRecord(body["refunds"])) return usage(400, "invalid_document_structure", "Invalid document structure")
  const params = body["refunds"]
  for (const key of Object.keys(params)) {
    if (!createParameters.has(key)) {
      return errorResponse(422, "invalid_api_usage", "One of your parameters was incorrectly typed", [
        { message: `"${key}" is not a permitted parameter.`, request_pointer: `/refunds/${key}` }
      ])
    }
  }
  const amount = params["amount"]
  if (amount === undefined) {
    return errorResponse(422, "invalid_api_usage", "One of your parameters was incorrectly typed", [{ message: "\"amount\" wasn't supplied.", request_pointer: "/refunds" }])
  }
  if (typeof amount !== "number" || !Number.isSafeInteger(amount)) {
    return errorResponse(422, "invalid_api_usage", "One of your parameters was incorrectly typed", [{ message: "\"amount\" must be an integer.", request_pointer: "/refunds/amount" }])
  }
  if (amount < 1) return validation("amount", "must be greater than or equal to 1")
  const links = params["links"]
  if (!isRecord(links)) {
    return errorResponse(422, "invalid_api_usage", "One of your parameters was incorrectly typed", [{ message: "\"links\" wasn't supplied.", request_pointer: "/refunds" }])
  }
  for (const key of Object.keys(links)) {
    if (!linkParameters.has(key)) {
      return errorResponse(422, "invalid_api_usage", "One of your parameters was incorrectly typed", [{ message: `"${key}" is not a permitted parameter.`, request_pointer: `/refunds/links/${key}` }])
    }
  }
  const payment = links["payment"]
  if (typeof payment !== "string") return validation("links", "must link a payment")
  const confirmation = params["total_amount_confirmation"]
  if (confirmation !== undefined && (typeof confirmation !== "number" || !Number.isSafeInteger(confirmation))) {
    return errorResponse(422, "invalid_api_usage", "One of your parameters was incorrectly typed", [
      { message: "\"total_amount_confirmation\" must be an integer.", request_pointer: "/refunds/total_amount_confirmation" }
    ])
  }
  const metadata = params["metadata"] ?? {}
  if (!isRecord(metadata)) return validation("metadata", "must be an object")
  const keys = Object.keys(metadata)
  if (keys.length > MAX_METADATA_KEYS) return validation("metadata", `can have at most ${MAX_METADATA_KEYS} keys`)
  const meta: Record<string, string> = {}
  for (const key of keys) {
    const value = metadata[key]
    if (characters(key) > MAX_METADATA_KEY_LENGTH) return validation("metadata", `key names must be at most ${MAX_METADATA_KEY_LENGTH} characters`)
    if (typeof value !== "string") return validation("metadata", "values must be strings")
    if (characters(value) > MAX_METADATA_VALUE_LENGTH) return validation("metadata", `values must be at most ${MAX_METADATA_VALUE_LENGTH} characters`)
    meta[key] = value
  }
  const reference = params["reference"]
  if (reference !== undefined && reference !== null && typeof reference !== "string") return validation("reference", "must be a string")
  return { amount, payment, confirmation: confirmation as number | undefined, metadata: meta, reference: (reference as string | null | undefined) ?? null }
}

const createRefund = (kit: Kit, request: EmulatorRequest): HttpServerResponse.HttpServerResponse => {
  const params = readCreate(request)
  if (HttpServerResponse.isHttpServerResponse(params)) return params
  if (!paymentIdPattern.test(params.payment)) return notFound()
  const payment = kit.store.payment(params.payment)
  if (payment === undefined) return notFound()
  // "Must be supplied if links[payment] is present"; it must equal the refunds so far plus this one.
  if (params.confirmation === undefined) return validation("total_amount_confirmation", "must be supplied when refunding a payment")
  const refunded = payment.amount - kit.store.refundable(payment.id)
  if (params.confirmation !== refunded + params.amount) {
    return errorResponse(422, "invalid_state", "Total amount confirmation invalid", [{
      reason: "total_amount_confirmation_invalid",
      message: `The total amount refunded (${refunded + params.amount}) does not match the total_amount_confirmation (${params.confirmation})`
    }])
  }
  // The wording and type of this refusal are the emulator's [unconfirmed]: a validation failure on `amount`.
  if (params.amount > kit.store.refundable(payment.id)) return validation("amount", "exceeds the amount of the payment not yet refunded")
  const refund = kit.store.createRefund({
    id: newRefundId(),
    payment,
    amount: params.amount,
    currency: payment.currency,
    idempotencyKey: request.headers["idempotency-key"],
    reference: params.reference ?? undefined,
    metadata: params.metadata,
    attributes: { reference: params.reference, metadata: params.metadata, mandate: newMandateId() }
  })
  return json(201, { refunds: refundResource(refund) })
}

/** `created_at[gt|gte|lt|lte]`: ISO 8601 date-times. */
const timeParam = (value: string | null): number | undefined | "invalid" => {
  if (value === null) return undefined
  const t = Date.parse(value)
  return /^\d{4}-\d{2}-\d{2}T/.test(value) && Number.isFinite(t) ? t : "invalid"
}

const listParameters = new Set(["after", "before", "created_at[gt]", "created_at[gte]", "created_at[lt]", "created_at[lte]", "limit", "mandate", "payment", "refund_type"])

/** `GET /refunds`: newest first, `after` = the last id of the previous page, `meta.cursors` and `meta.limit`. */
const listRefunds = (kit: Kit, request: EmulatorRequest): HttpServerResponse.HttpServerResponse => {
  const q = request.query
  for (const key of q.keys()) {
    if (!listParameters.has(key)) {
      return errorResponse(422, "invalid_api_usage", "One of your parameters was incorrectly typed", [{ message: `"${key}" is not a permitted parameter.`, request_pointer: `/${key}` }])
    }
  }
  const limitText = q.get("limit")
  const limit = limitText === null ? DEFAULT_LIMIT : /^\d{1,4}$/.test(limitText) ? Number(limitText) : NaN
  if (!(limit >= 1 && limit <= MAX_LIMIT)) return validation("limit", `must be between 1 and ${MAX_LIMIT}`)
  const bounds: Record<string, number | undefined> = {}
  for (const op of ["gt", "gte", "lt", "lte"]) {
    const t = timeParam(q.get(`created_at[${op}]`))
    if (t === "invalid") return validation(`created_at[${op}]`, "must be an ISO 8601 date-time")
    bounds[op] = t
  }
  const from = Math.max(bounds["gte"] ?? -Infinity, bounds["gt"] === undefined ? -Infinity : bounds["gt"] + 1)
  const until = Math.min(bounds["lt"] ?? Infinity, bounds["lte"] === undefined ? Infinity : bounds["lte"] + 1)
  const paymentId = q.get("payment") ?? undefined
  if (paymentId !== undefined && kit.store.payment(paymentId) === undefined) return listPage(kit, [], limit, undefined)
  const after = q.get("after") ?? undefined
  const before = q.get("before") ?? undefined
  if (after !== undefined && !refundIdPattern.test(after)) return validation("after", "is not a valid cursor")
  if (before !== undefined && !refundIdPattern.test(before)) return validation("before", "is not a valid cursor")
  const page = kit.store.listPage({
    limit,
    ...(Number.isFinite(from) ? { createdFrom: from } : {}),
    ...(Number.isFinite(until) ? { createdUntil: until } : {}),
    ...(paymentId !== undefined ? { paymentId } : {}),
    ...(after !== undefined ? { startingAfter: after } : {}),
    ...(before !== undefined ? { endingBefore: before } : {})
  })
  if (page._tag === "UnknownCursor") return validation(page.param === "startingAfter" ? "after" : "before", "is not a valid cursor")
  return listPage(kit, page.data.map((l) => refundResource(l.refund, l.status)), limit, page.hasMore ? page.data[page.data.length - 1]?.refund.id : undefined)
}

const listPage = (_kit: Kit, refunds: ReadonlyArray<Record<string, unknown>>, limit: number, after: string | undefined) =>
  json(200, { refunds, meta: { cursors: { before: null, after: after ?? null }, limit } })

const withParams = (f: (params: Readonly<Record<string, string | undefined>>, request: EmulatorRequest) => HttpServerResponse.HttpServerResponse) =>
  Effect.gen(function*() {
    const params = yield* HttpRouter.params
    return f(params, yield* readRequest)
  })

const updateRefund = (kit: Kit, id: string, request: EmulatorRequest): HttpServerResponse.HttpServerResponse => {
  const refund = refundIdPattern.test(id) ? kit.store.get(id) : undefined
  if (refund === undefined) return notFound()
  let body: unknown
  try {
    body = JSON.parse(request.body)
  } catch {
    return usage(400, "invalid_document_structure", "Invalid document structure")
  }
  if (!isRecord(body) || !isRecord(body["refunds"])) return usage(400, "invalid_document_structure", "Invalid document structure")
  const metadata = body["refunds"]["metadata"]
  if (!isRecord(metadata) || Object.keys(body["refunds"]).some((k) => k !== "metadata")) return validation("metadata", "must be an object")
  if (Object.keys(metadata).length > MAX_METADATA_KEYS) return validation("metadata", `can have at most ${MAX_METADATA_KEYS} keys`)
  const meta: Record<string, string> = {}
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== "string") return validation("metadata", "values must be strings")
    meta[k] = v
  }
  refund.attributes.metadata = meta
  refund.metadata = meta
  return json(200, { refunds: refundResource(refund) })
}

const routes = (kit: Kit): Layer.Layer<never, never, HttpRouter.HttpRouter> =>
  HttpRouter.use((router) =>
    Effect.gen(function*() {
      yield* router.add("POST", "/refunds", withParams((_, request) => createRefund(kit, request)))
      yield* router.add("GET", "/refunds", withParams((_, request) => listRefunds(kit, request)))
      yield* router.add(
        "GET",
        "/refunds/:id",
        withParams((p) => {
          const id = p.id ?? ""
          const refund = refundIdPattern.test(id) ? kit.store.get(id) : undefined
          return refund === undefined ? notFound() : json(200, { refunds: refundResource(refund) })
        })
      )
      yield* router.add("PUT", "/refunds/:id", withParams((p, request) => updateRefund(kit, p.id ?? "", request)))
      yield* router.add("*", "/*", Effect.succeed(usage(404, "path_not_found", "Path not found")))
    })
  )

/** The conflicting refund id in a stored 201 answer. */
const storedRefundId = (body: Uint8Array): string | undefined => {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(body)) as { refunds?: { id?: unknown } }
    return typeof parsed.refunds?.id === "string" ? parsed.refunds.id : undefined
  } catch {
    return undefined
  }
}

const conflict = (id: string | undefined) =>
  errorResponse(409, "invalid_state", "A resource has already been created with this idempotency key", [{
    reason: "idempotent_creation_conflict",
    message: "A resource has already been created with this idempotency key",
    ...(id === undefined ? {} : { links: { conflicting_resource_id: id } })
  }])

/** Builds the emulator definition (one per instance). */
export const definition = (options: GoCardlessEmulatorOptions = {}): Server.EmulatorDefinition<GoCardlessRefundAttributes> => {
  const accessToken = options.accessToken ?? options.apiKey ?? defaultAccessToken
  const webhookSecret = options.webhookSecret ?? defaultWebhookSecret

  const authenticate = (request: EmulatorRequest): HttpServerResponse.HttpServerResponse | undefined => {
    const header = request.headers["authorization"]
    const match = header === undefined ? null : /^Bearer (\S+)$/.exec(header)
    if (match === null || match[1] !== accessToken) return usage(401, "unauthorized", "Unauthorized")
    const version = request.headers["gocardless-version"]
    if (version === undefined) return usage(400, "missing_version_header", "GoCardless-Version header is required")
    if (version !== API_VERSION) return usage(400, "version_not_found", "Version not found")
    return undefined
  }

  const render = (refund: RefundRecord<GoCardlessRefundAttributes>, action: string, renderOptions: Server.RenderOptions) => {
    const last = refund.history[refund.history.length - 1]
    const at = renderOptions.timestampSeconds !== undefined ? renderOptions.timestampSeconds * 1000 : (last?.at ?? refund.createdAt)
    // Redeliveries of one event carry its id: it names (refund, action, state), not the attempt.
    const digest = createHash("sha256").update(`${refund.id}|${action}|${refund.history.length}`).digest()
    const eventId = `EV${Array.from(digest.subarray(0, 12), (b) => idAlphabet[b % idAlphabet.length]).join("")}`
    const event = {
      id: eventId,
      created_at: new Date(at).toISOString(),
      resource_type: "refunds",
      action,
      links: { refund: refund.id, payment: refund.paymentId },
      details: causes[action] ?? { origin: "gocardless", cause: action, description: action },
      metadata: {},
      resource_metadata: { ...refund.attributes.metadata }
    }
    const signed = JSON.stringify({ events: [event], meta: { webhook_id: `WB${eventId.slice(2)}` } })
    const body = renderOptions.tamper === true ? signed.replace(`"action":"${action}"`, `"action":"${action === "paid" ? "failed" : "paid"}"`) : signed
    return {
      headers: {
        "content-type": "application/json",
        "user-agent": "gocardless-webhook-service/1.1",
        "webhook-signature": signature(signed, renderOptions.secret)
      },
      body
    }
  }

  return {
    name: "gocardless",
    // The store holds the lag, so `setListLagMillis` and `PUT /__emulator/list-lag` change what the listing shows.
    listLagMillis: checkLag("listLagMillis", options.listLagMillis ?? 0),
    credentials: { accessToken },
    webhookSecret,
    webhookUrl: options.webhookUrl,
    lifecycle,
    ...Server.numbers(options, numbers),
    newPayment: (input) => ({ id: newPaymentId(), currency: input.currency.toUpperCase() }),
    authenticate,
    idempotency: {
      header: "idempotency-key",
      appliesTo: (request) => request.method === "POST" && request.path === "/refunds" && (request.headers["idempotency-key"] ?? "") !== "",
      // GoCardless answers any reuse of a key with the conflict, whatever the body.
      fingerprint: () => "POST /refunds",
      stores: ({ status }) => status === 201,
      replay: (stored) => conflict(storedRefundId(stored.body)),
      inFlight: () => conflict(undefined)
    },
    faults: {
      rateLimit: (retryAfterSeconds) =>
        errorResponse(429, "invalid_api_usage", "Rate limit exceeded", [{ reason: "rate_limit_exceeded", message: "Rate limit exceeded" }], {
          "ratelimit-limit": "1000",
          "ratelimit-remaining": "0",
          "ratelimit-reset": new Date(Date.now() + retryAfterSeconds * 1000).toUTCString()
        }),
      serverError: (status) => errorResponse(status, "gocardless", "Internal server error", [{ reason: "internal_server_error", message: "Internal server error" }])
    },
    decorate: (response) => HttpServerResponse.setHeader(response, "x-request-id", randomUUID()),
    routes,
    webhooks: {
      eventsFor: (transition) => (transition.from === undefined ? ["created"] : actionsForStatus(transition.to)),
      defaultEventType: (refund) => actionForStatus(refund.status),
      render: (refund, action, renderOptions) => render(refund, action, renderOptions),
      eventId: (message) => {
        try {
          const parsed = JSON.parse(message.body) as { events?: Array<{ id?: unknown }> }
          const id = parsed.events?.[0]?.id
          return typeof id === "string" ? id : undefined
        } catch {
          return undefined
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------------------------

export class Service extends Context.Service<Service, Emulator>()("@refract/testkit/GoCardlessEmulator") {}

export const make = (
  options: GoCardlessEmulatorOptions = {}
): Effect.Effect<Server.RunningEmulator<GoCardlessRefundAttributes>, ServeError, Scope.Scope> =>
  Effect.suspend(() => Server.make(definition(options), Server.serverOptions(options)))

export const start = (options: GoCardlessEmulatorOptions = {}): Promise<Emulator> =>
  Server.start(definition(options), Server.serverOptions(options))

export const layer = (options: GoCardlessEmulatorOptions = {}): Layer.Layer<EmulatorService | Service, ServeError> =>
  Server.layer(() => definition(options), Server.serverOptions(options), Service)
