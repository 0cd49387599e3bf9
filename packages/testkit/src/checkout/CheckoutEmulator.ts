/**
 * A stateful Checkout.com emulator for refunds: `POST /payments/:id/refunds` (202 with an `action_id`; the body is
 * read strictly, exactly the members of today's refund request, see `RefundRequest.ts`), no refund
 * resource (the outcome shows up in `GET /payments/:id/actions` once processed, and in
 * `GET /payments/:id` balances), Checkout's error bodies (`request_id`, `error_type`, `error_codes`; empty
 * 401/404), `Cko-Idempotency-Key` replay of successful answers, and `Cko-Signature` (hex HMAC-SHA256 of the
 * raw body) webhooks `payment_refund_pending`, `payment_refunded` and `payment_refund_declined`.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"
import type { Scope } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import type { ServeError } from "effect/http/HttpServerError"
import { createHash, randomUUID } from "node:crypto"
import type { Emulator, EmulatorOptions, EmulatorService, Outcome } from "../emulator/Emulator.ts"
import { EmulatorService as EmulatorServiceKey } from "../emulator/Emulator.ts"
import type { EmulatorRequest } from "../emulator/Http.ts"
import { json, randomString, readRequest } from "../emulator/Http.ts"
import type { Lifecycle, PaymentRecord, RefundRecord, Step } from "../emulator/RefundStore.ts"
import * as RetrySchedule from "../emulator/RetrySchedule.ts"
import * as Server from "../emulator/Server.ts"
import { hmacSha256Hex, safeEqual } from "../emulator/Webhooks.ts"
import * as RefundRequest from "./RefundRequest.ts"

// ---------------------------------------------------------------------------------------------------------------
// Options and defaults
// ---------------------------------------------------------------------------------------------------------------

/** Options of the Checkout.com emulator. */
export interface CheckoutEmulatorOptions extends EmulatorOptions {
  /** The one valid secret key. Alias of `apiKey`. */
  readonly secretKey?: string
  /** The webhook signature key (`Cko-Signature`). Alias of `webhookSecret`. */
  readonly signatureKey?: string
  /** Send `payment_refund_pending` when a refund is accepted. Default true. */
  readonly refundPendingEvents?: boolean
  /** The custom `Authorization` header value configured on the webhook, sent with every delivery. */
  readonly webhookAuthorization?: string
}

/** Default secret key (sandbox shape). */
export const defaultSecretKey = "sk_sbox_refractemulatorsecretkey2345abcd"
/** Default webhook signature key. */
export const defaultSignatureKey = "refract-checkout-emulator-signature-key"
/** `version` of the webhook events. */
export const eventVersion = "1.0.29"

// ---------------------------------------------------------------------------------------------------------------
// Statuses and outcomes
// ---------------------------------------------------------------------------------------------------------------

/**
 * The emulator's raw refund statuses (Checkout has no refund resource): `Pending` (accepted, not in the actions
 * list yet), then `Approved` (Refund action `approved: true`) or `Declined` (`approved: false`).
 */
export type RefundStatus = "Pending" | "Approved" | "Declined"

/** Default decline (the code and summary of Checkout's `payment_refund_declined` sample). */
export const defaultDecline = { code: "20006", summary: "Error / Invalid Request Parameters" } as const

/** Reads a failure reason: `"20051 Insufficient Funds"` sets code and summary; any other text is the summary of a 20006. */
export const declineOf = (reason: string | undefined): { readonly code: string; readonly summary: string } => {
  if (reason === undefined) return defaultDecline
  const match = /^(\d{5})\s*[:-]?\s*(.*)$/.exec(reason)
  return match === null ? { code: defaultDecline.code, summary: reason } : { code: match[1]!, summary: match[2] || defaultDecline.summary }
}

/**
 * How each {@link Outcome} plays out (after `Pending`). Checkout cannot express a cancelled refund (declined
 * instead, "Refund cancelled"), a refund waiting for action (it stays pending), or a refund reversed after
 * approval (the `succeeded_then_*` outcomes end at `Approved`).
 */
export const lifecycle: Lifecycle = {
  initialStatus: "Pending",
  steps: (outcome: Outcome, reason: string | undefined): ReadonlyArray<Step> => {
    switch (outcome) {
      case "succeeded":
      case "succeeded_then_reversed":
      case "succeeded_then_failed":
        return [{ status: "Approved" }]
      case "failed":
        return [{ status: "Declined", reason: reason ?? `${defaultDecline.code} ${defaultDecline.summary}` }]
      case "canceled":
        return [{ status: "Declined", reason: reason ?? `${defaultDecline.code} Refund cancelled` }]
      case "requires_action":
        return []
    }
  },
  holdsFunds: (status) => status === "Pending" || status === "Approved",
  successStatuses: ["Approved"]
}

/**
 * Checkout.com's numbers (processors.md §4):
 * - idempotency keys expire after 24 h (https://www.checkout.com/docs/payments/manage-payments/idempotency);
 * - webhooks are "resent up to 8 times: 5 min, 10 min, 15 min, 30 min, 1 h, 4 h, 12 h, 12 h"
 *   (https://www.checkout.com/docs/workflows).
 */
export const numbers: Server.ProcessorNumbers = {
  timing: Server.defaultTiming,
  idempotencyWindowMillis: RetrySchedule.millis.day,
  retrySchedule: RetrySchedule.check({
    delays: [
      ...[5, 10, 15, 30].map((m) => m * RetrySchedule.millis.minute),
      ...[1, 4, 12, 12].map((h) => h * RetrySchedule.millis.hour)
    ]
  })
}

// ---------------------------------------------------------------------------------------------------------------
// Ids
// ---------------------------------------------------------------------------------------------------------------

const base32 = "abcdefghijklmnopqrstuvwxyz234567"

/** `pay_` + 26 lower-case base32 characters. */
export const newPaymentId = (): string => `pay_${randomString(26, base32)}`
/** `act_` + 26 lower-case base32 characters. */
export const newActionId = (): string => `act_${randomString(26, base32)}`

const derived = (seed: string, length: number, alphabet: string = base32): string => {
  const digest = createHash("sha256").update(seed).digest()
  let out = ""
  for (let i = 0; i < length; i++) out += alphabet[digest[i % digest.length]! % alphabet.length]
  return out
}

/** The event id of one event type for one refund action: `evt_…`, stable across redeliveries. */
export const eventId = (actionId: string, eventType: string): string => `evt_${derived(`${actionId}/${eventType}`, 26)}`

const digits = (n: number): string => randomString(n, "0123456789")

// ---------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------

/** An answer with a fresh `Cko-Request-Id` (also the body's `request_id`). `body` undefined = empty body. */
export const ckoResponse = (status: number, body?: Record<string, unknown>): HttpServerResponse.HttpServerResponse => {
  const requestId = randomUUID()
  return body === undefined
    ? HttpServerResponse.empty({ status, headers: { "cko-request-id": requestId } })
    : json(status, { request_id: requestId, ...body }, { headers: { "cko-request-id": requestId } })
}

/** 422 `request_invalid` with `error_codes`. */
export const validationError = (...codes: ReadonlyArray<string>): HttpServerResponse.HttpServerResponse =>
  ckoResponse(422, { error_type: "request_invalid", error_codes: codes })

// ---------------------------------------------------------------------------------------------------------------
// Webhook signing
// ---------------------------------------------------------------------------------------------------------------

/** `Cko-Signature`: hex HMAC-SHA256 of the raw body, keyed with the signature key. */
export const signature = (body: string | Uint8Array, signatureKey: string): string => hmacSha256Hex(signatureKey, body)

/** Verifies a `Cko-Signature` header (constant time; never throws). */
export const verifySignature = (body: string | Uint8Array, header: string | undefined, signatureKey: string): boolean => {
  if (header === undefined || !/^[0-9a-fA-F]{64}$/.test(header.trim())) return false
  return safeEqual(Buffer.from(header.trim().toLowerCase(), "hex"), Buffer.from(signature(body, signatureKey), "hex"))
}

// ---------------------------------------------------------------------------------------------------------------
// Objects
// ---------------------------------------------------------------------------------------------------------------

type MetadataValue = string | number | boolean | null

/** Checkout-specific state of an emulated refund. */
export interface CheckoutRefundAttributes {
  /** The metadata as sent (values may be numbers or booleans). */
  readonly metadata: Readonly<Record<string, MetadataValue>> | undefined
  readonly acquirerTransactionId: string
  readonly acquirerReferenceNumber: string
}

type Kit = Server.EmulatorKit<CheckoutRefundAttributes>
type Refund = RefundRecord<CheckoutRefundAttributes>

const iso = (millis: number) => new Date(millis).toISOString()

const processedOn = (refund: Refund): number => refund.history[refund.history.length - 1]?.at ?? refund.createdAt

/** The payment's balances (`total_refunded` counts approved refunds; `available_to_refund` also holds back pending ones). */
export const balancesOf = (kit: Kit, payment: PaymentRecord) => {
  const refunded = kit.store.list((r) => r.paymentId === payment.id && r.status === "Approved").reduce((sum, r) => sum + r.amount, 0)
  return {
    total_authorized: payment.amount,
    total_voided: 0,
    available_to_void: 0,
    total_captured: payment.amount,
    available_to_capture: 0,
    total_refunded: refunded,
    available_to_refund: kit.store.refundable(payment.id)
  }
}

/** The `Refund` action of a processed refund (pending refunds have none). */
export const refundAction = (refund: Refund): Record<string, unknown> => {
  const approved = refund.status === "Approved"
  const decline = declineOf(refund.failureReason)
  return {
    id: refund.id,
    type: "Refund",
    processed_on: iso(processedOn(refund)),
    amount: refund.amount,
    approved,
    response_code: approved ? "10000" : decline.code,
    response_summary: approved ? "Approved" : decline.summary,
    ...(refund.reference === undefined ? {} : { reference: refund.reference }),
    processing: {
      acquirer_transaction_id: refund.attributes.acquirerTransactionId,
      acquirer_reference_number: refund.attributes.acquirerReferenceNumber
    },
    ...(refund.attributes.metadata === undefined ? {} : { metadata: refund.attributes.metadata })
  }
}

const captureActionId = (payment: PaymentRecord) => `act_${derived(`${payment.id}/Capture`, 26)}`
const authorizationActionId = (payment: PaymentRecord) => `act_${derived(`${payment.id}/Authorization`, 26)}`

/** Every action of a payment, latest first: processed refunds, the capture, the authorization. */
export const actionsOf = (kit: Kit, payment: PaymentRecord): ReadonlyArray<Record<string, unknown>> => {
  const refunds = kit.store
    .list((r) => r.paymentId === payment.id && r.status !== "Pending")
    .toSorted((a, b) => processedOn(b) - processedOn(a))
    .map(refundAction)
  const base = {
    amount: payment.amount,
    approved: true,
    response_code: "10000",
    response_summary: "Approved",
    ...(payment.reference === undefined ? {} : { reference: payment.reference })
  }
  return [
    ...refunds,
    {
      id: captureActionId(payment),
      type: "Capture",
      processed_on: iso(payment.createdAt),
      ...base,
      processing: { acquirer_reference_number: derived(`${payment.id}/arn`, 23, "0123456789"), acquirer_transaction_id: derived(`${payment.id}/atid`, 11, "0123456789") }
    },
    {
      id: authorizationActionId(payment),
      type: "Authorization",
      processed_on: iso(payment.createdAt - 1000),
      ...base,
      auth_code: derived(`${payment.id}/auth`, 6, "0123456789"),
      processing: { retrieval_reference_number: derived(`${payment.id}/rrn`, 12, "0123456789"), acquirer_transaction_id: derived(`${payment.id}/atid-a`, 21, "0123456789") }
    }
  ]
}

/** `GET /payments/:id` for a payment. */
export const paymentObject = (kit: Kit, payment: PaymentRecord, origin: string): Record<string, unknown> => {
  const balances = balancesOf(kit, payment)
  const status = balances.total_refunded === 0
    ? "Captured"
    : balances.total_refunded >= payment.amount
    ? "Refunded"
    : "Partially Refunded"
  const self = `${origin}/payments/${payment.id}`
  return {
    id: payment.id,
    requested_on: iso(payment.createdAt - 1000),
    source: {
      id: `src_${derived(`${payment.id}/src`, 26)}`,
      type: "card",
      expiry_month: 12,
      expiry_year: 2030,
      scheme: "Visa",
      last4: "4242",
      bin: "424242",
      card_type: "CREDIT"
    },
    amount: payment.amount,
    currency: payment.currency,
    payment_type: "Regular",
    ...(payment.reference === undefined ? {} : { reference: payment.reference }),
    status,
    approved: true,
    balances,
    risk: { flagged: false },
    _links: {
      self: { href: self },
      actions: { href: `${self}/actions` },
      ...(balances.available_to_refund > 0 ? { refund: { href: `${self}/refunds` } } : {})
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------------------------------------------

const paymentIdPattern = /^pay_\w{26}$/

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const notFound = () => ckoResponse(404)

/** 400 for a body that is not a JSON object (Error.yaml's `request_malformed`). */
const malformed = () => ckoResponse(400, { error_type: "request_malformed" })

/** The strict reading of a refund request (see {@link RefundRequest}): an empty body refunds what is left. */
const readRefundRequest = (request: EmulatorRequest): RefundRequest.RefundRequest | HttpServerResponse.HttpServerResponse => {
  if (request.body.trim() === "") return RefundRequest.read({})
  let body: unknown
  try {
    body = JSON.parse(request.body)
  } catch {
    return malformed()
  }
  if (!isRecord(body)) return malformed()
  const codes = RefundRequest.errorCodes(body)
  return codes.length > 0 ? validationError(...codes) : RefundRequest.read(body)
}

const createRefund = (kit: Kit, origin: () => string, paymentId: string, request: EmulatorRequest): HttpServerResponse.HttpServerResponse => {
  const asked = readRefundRequest(request)
  if (HttpServerResponse.isHttpServerResponse(asked)) return asked

  const payment = paymentIdPattern.test(paymentId) ? kit.store.payment(paymentId) : undefined
  if (payment === undefined) return notFound()
  // The payment has one capture; another action id is not one of its captures [chosen code].
  if (asked.captureActionId !== undefined && asked.captureActionId !== captureActionId(payment)) {
    return validationError("capture_action_id_invalid")
  }
  const available = kit.store.refundable(payment.id)
  if (available <= 0) return ckoResponse(403, { error_type: "action_not_allowed" })
  const value = asked.amount ?? available
  // An over-refund as checkout-sdk-node's own test answers it (test/payments/refundPayment.js: 422
  // `error_type: "processing_error"`, `error_codes: ["amount_exceeds_balance"]`; the code is in Checkout's
  // error-code list too).
  if (value > available) return ckoResponse(422, { error_type: "processing_error", error_codes: ["amount_exceeds_balance"] })

  const refund = kit.store.createRefund({
    id: newActionId(),
    payment,
    amount: value,
    currency: payment.currency,
    idempotencyKey: request.headers["cko-idempotency-key"],
    reference: asked.reference,
    metadata: asked.metadata === undefined ? {} : Object.fromEntries(Object.entries(asked.metadata).map(([k, v]) => [k, String(v)])),
    attributes: { metadata: asked.metadata, acquirerTransactionId: digits(21), acquirerReferenceNumber: digits(23) }
  })
  return json(202, {
    action_id: refund.id,
    ...(refund.reference === undefined ? {} : { reference: refund.reference }),
    _links: { payment: { href: `${origin()}/payments/${payment.id}` } }
  })
}

/** The payment behind a status read (reads never move refunds: time does). */
const readPayment = (kit: Kit, paymentId: string): PaymentRecord | undefined =>
  paymentIdPattern.test(paymentId) ? kit.store.payment(paymentId) : undefined

const withId = (f: (id: string, request: EmulatorRequest) => HttpServerResponse.HttpServerResponse) =>
  Effect.gen(function*() {
    const { id } = yield* HttpRouter.params
    return f(id ?? "", yield* readRequest)
  })

const routes = (origin: () => string) => (kit: Kit): Layer.Layer<never, never, HttpRouter.HttpRouter> =>
  HttpRouter.use((router) =>
    Effect.gen(function*() {
      yield* router.add("POST", "/payments/:id/refunds", withId((id, request) => createRefund(kit, origin, id, request)))
      yield* router.add(
        "GET",
        "/payments/:id/actions",
        withId((id) => {
          const payment = readPayment(kit, id)
          return payment === undefined ? notFound() : json(200, actionsOf(kit, payment))
        })
      )
      yield* router.add(
        "GET",
        "/payments/:id",
        withId((id) => {
          const payment = readPayment(kit, id)
          return payment === undefined ? notFound() : json(200, paymentObject(kit, payment, origin()))
        })
      )
      yield* router.add("*", "/*", Effect.sync(notFound))
    })
  )

// ---------------------------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------------------------

const eventForStatus: Readonly<Record<string, string>> = {
  Pending: "payment_refund_pending",
  Approved: "payment_refunded",
  Declined: "payment_refund_declined"
}

/** The refund event types Checkout documents (and the emulator sends). */
export const eventTypes: ReadonlyArray<string> = ["payment_refund_pending", "payment_refunded", "payment_refund_declined"]

const eventBody = (kit: Kit, refund: Refund, eventType: string, origin: string, amount: number, now: number) => {
  const payment = kit.store.payment(refund.paymentId)
  const id = eventId(refund.id, eventType)
  const status = Object.entries(eventForStatus).find(([, event]) => event === eventType)?.[0]
  const at = refund.history.toReversed().find((h) => h.status === status)?.at ?? now
  const paymentUrl = `${origin}/payments/${refund.paymentId}`
  const metadata = refund.attributes.metadata === undefined ? {} : { metadata: refund.attributes.metadata }
  const reference = refund.reference === undefined ? {} : { reference: refund.reference }
  const decline = declineOf(refund.failureReason)
  const data = eventType === "payment_refund_pending"
    ? { id: refund.paymentId, action_id: refund.id, ...reference, amount, processed_on: iso(at), currency: refund.currency, ...metadata }
    : {
      id: refund.paymentId,
      action_id: refund.id,
      ...reference,
      amount,
      processed_on: iso(at),
      response_code: eventType === "payment_refunded" ? "10000" : decline.code,
      response_summary: eventType === "payment_refunded" ? "Approved" : decline.summary,
      ...(payment === undefined ? {} : { balances: balancesOf(kit, payment) }),
      ...metadata,
      currency: refund.currency,
      processing: {
        acquirer_transaction_id: refund.attributes.acquirerTransactionId,
        acquirer_reference_number: refund.attributes.acquirerReferenceNumber
      },
      event_links: { payment: paymentUrl, payment_actions: `${paymentUrl}/actions` }
    }
  return {
    id,
    type: eventType,
    version: eventVersion,
    created_on: iso(at),
    data,
    _links: {
      self: { href: `${origin}/workflows/events/${id}` },
      subject: { href: `${origin}/workflows/events/subject/${refund.paymentId}` },
      payment: { href: paymentUrl },
      payment_actions: { href: `${paymentUrl}/actions` }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Definition
// ---------------------------------------------------------------------------------------------------------------

/**
 * Builds the emulator definition (one per instance). `origin` resolves the emulator's own origin once it listens
 * (for `_links`).
 */
export const definition = (
  options: CheckoutEmulatorOptions,
  origin: () => string
): Server.EmulatorDefinition<CheckoutRefundAttributes> => {
  const secretKey = options.secretKey ?? options.apiKey ?? defaultSecretKey
  const signatureKey = options.signatureKey ?? options.webhookSecret ?? defaultSignatureKey
  const pendingEvents = options.refundPendingEvents ?? true
  const webhookAuth = options.webhookAuthorization === undefined ? {} : { authorization: options.webhookAuthorization }

  const authenticate = (request: EmulatorRequest): HttpServerResponse.HttpServerResponse | undefined => {
    const header = (request.headers["authorization"] ?? "").trim()
    const key = /^Bearer\s+/i.test(header) ? header.replace(/^Bearer\s+/i, "").trim() : header
    return key !== "" && key === secretKey ? undefined : HttpServerResponse.empty({ status: 401 })
  }

  return {
    name: "checkout",
    credentials: { secretKey },
    webhookSecret: signatureKey,
    webhookUrl: options.webhookUrl,
    lifecycle,
    ...Server.numbers(options, numbers),
    newPayment: (input) => ({ id: newPaymentId(), currency: input.currency.toUpperCase() }),
    authenticate,
    idempotency: {
      header: "cko-idempotency-key",
      appliesTo: (request) => request.method === "POST",
      // Checkout replays the first successful answer for a key; it does not compare bodies.
      fingerprint: () => "",
      // "If the original request could not be processed, an idempotent result will not be saved."
      stores: ({ status }) => status >= 200 && status < 300,
      replay: (stored) => Server.fromStored(stored),
      // "If we detect concurrent requests with the same idempotency key, ... the other requests will return a 429."
      inFlight: () => ckoResponse(429, { error_type: "too_many_requests" })
    },
    faults: {
      rateLimit: () => ckoResponse(429, { error_type: "too_many_requests" }),
      serverError: (status) => ckoResponse(status)
    },
    decorate: (response) =>
      response.headers["cko-request-id"] === undefined
        ? HttpServerResponse.setHeader(response, "cko-request-id", randomUUID())
        : response,
    routes: routes(origin),
    webhooks: {
      eventsFor: (transition) => {
        if (transition.from === undefined) return pendingEvents ? ["payment_refund_pending"] : []
        const event = eventForStatus[transition.to]
        return event === undefined || transition.to === "Pending" ? [] : [event]
      },
      defaultEventType: (refund) => eventForStatus[refund.status] ?? "payment_refunded",
      render: (refund, eventType, render, kit) => {
        const base = origin()
        const signedBody = JSON.stringify(eventBody(kit, refund, eventType, base, refund.amount, render.now))
        const body = render.tamper === true
          ? JSON.stringify(eventBody(kit, refund, eventType, base, refund.amount + 1, render.now))
          : signedBody
        return {
          headers: {
            "content-type": "application/json",
            "cko-signature": signature(signedBody, render.secret),
            ...webhookAuth
          },
          body
        }
      },
      eventId: (message) => {
        try {
          const id: unknown = JSON.parse(message.body)?.id
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

/** The Checkout.com emulator as its own service key (same shape as `EmulatorService`). */
export class Service extends Context.Service<Service, Emulator>()("@refract/testkit/CheckoutEmulator") {}

/** Starts a Checkout.com emulator in the current scope. */
export const make = (
  options: CheckoutEmulatorOptions = {}
): Effect.Effect<Server.RunningEmulator<CheckoutRefundAttributes>, ServeError, Scope.Scope> =>
  Effect.gen(function*() {
    const state = { origin: "" }
    const running = yield* Server.make(definition(options, () => state.origin), Server.serverOptions(options))
    state.origin = running.origin
    return running
  })

/** Starts a Checkout.com emulator; stop it with `close()`. */
export const start = async (options: CheckoutEmulatorOptions = {}): Promise<Emulator> => {
  const state = { origin: "" }
  const running = await Server.start(definition(options, () => state.origin), Server.serverOptions(options))
  state.origin = running.origin
  return running
}

/** A layer providing the running emulator as `EmulatorService` and {@link Service}. */
export const layer = (options: CheckoutEmulatorOptions = {}): Layer.Layer<EmulatorService | Service, ServeError> =>
  Layer.effectContext(
    Effect.map(make(options), (emulator) =>
      Context.make(EmulatorServiceKey, emulator as Emulator).pipe(Context.add(Service, emulator as Emulator)))
  )
