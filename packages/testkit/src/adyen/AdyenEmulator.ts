/**
 * A stateful Adyen Checkout API emulator for refunds: `POST /v71/payments/:paymentPspReference/refunds`
 * (201 `status: "received"`), Adyen's `ServiceError` bodies, `Idempotency-Key` replay with `Transient-Error`
 * on retryable 5xx, and the outcome delivered only through HMAC-signed standard notifications
 * (`REFUND`, `REFUND_FAILED`, `REFUNDED_REVERSED`). There is no status endpoint, as with the real API. For
 * reconciliation it writes the Settlement details report per payable batch, serves it at
 * `/reports/download/MerchantAccount/:account/:file` and announces it with `REPORT_AVAILABLE` (see
 * `SettlementReport.ts`).
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"
import type { Scope } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import type { ServeError } from "effect/http/HttpServerError"
import { createHash } from "node:crypto"
import type { Emulator, EmulatorOptions, EmulatorService, Outcome } from "../emulator/Emulator.ts"
import type { EmulatorRequest } from "../emulator/Http.ts"
import { json, randomString, readRequest, withHeaders } from "../emulator/Http.ts"
import type { Lifecycle, RefundRecord, Step } from "../emulator/RefundStore.ts"
import * as RetrySchedule from "../emulator/RetrySchedule.ts"
import * as Server from "../emulator/Server.ts"
import type { Batching } from "../emulator/WebhookEngine.ts"
import { hmacSha256, safeEqual } from "../emulator/Webhooks.ts"
import { readPaymentRefundRequest } from "./AdyenRequest.ts"
import { downloadPath, SettlementLedger } from "./SettlementReport.ts"

/** Options of the Adyen emulator. */
export interface AdyenEmulatorOptions extends EmulatorOptions {
  /** The one valid merchant account. */
  readonly merchantAccount?: string
  /** The HMAC key (hex) notifications are signed with. Alias of `webhookSecret`. */
  readonly hmacKey?: string
  /** Checkout API version in `url` (default `v71`). Requests are accepted on any `/vNN/` prefix. */
  readonly apiVersion?: string
  /** Web-service user for HTTP Basic auth (accepted besides `X-API-Key`). */
  readonly username?: string
  readonly password?: string
  /** When set, notifications carry `Authorization: Basic …` with these credentials (Adyen's webhook basic auth). */
  readonly webhookBasicAuth?: { readonly username: string; readonly password: string }
  /**
   * Batch notifications as Adyen may: items for the same merchant account that happen within `windowMillis`
   * (default 1000, emulator clock) go out in one POST, up to `maxItems` (default 10) `notificationItems`.
   * Default off (one item per POST).
   */
  readonly batchNotifications?: boolean | { readonly windowMillis?: number; readonly maxItems?: number }
  /** The company account in settlement reports. Default {@link defaultCompanyAccount}. */
  readonly companyAccount?: string
  /** The report user that may download reports with HTTP Basic auth (besides the API key and the web-service user). */
  readonly reportUsername?: string
  readonly reportPassword?: string
  /**
   * Close a payable batch (and publish its Settlement details report) every this many emulator ms. Default: only
   * on `POST /__emulator/adyen/settlement-batches`.
   */
  readonly settlementBatchIntervalMillis?: number
}

/** Default API key. */
export const defaultApiKey = "AQE_emulator_test_api_key"
/** Default merchant account. */
export const defaultMerchantAccount = "RefractEmulatorECOM"
/** Default HMAC key (64 hex chars, like the Customer Area generates). */
export const defaultHmacKey = createHash("sha256").update("refract adyen emulator").digest("hex").toUpperCase()
/** Default web-service user. */
export const defaultUsername = "ws@Company.RefractEmulator"
export const defaultPassword = "emulator-password"
/** Default company account (the one the default web-service user belongs to). */
export const defaultCompanyAccount = "RefractEmulator"
/** Default report user (Adyen names report users `report@Company.<CompanyAccount>`). */
export const defaultReportUsername = "report@Company.RefractEmulator"
export const defaultReportPassword = "emulator-report-password"
/**
 * Adyen's numbers:
 * - idempotency keys "are valid for at least 31 days" (https://docs.adyen.com/development-resources/api-idempotency,
 *   processors.md §3): the emulator forgets them at the earliest moment allowed;
 * - webhook retries: three quick retries (9 s, 18 s, 27 s), then the retry queue at 2 min, 5 min, 10 min,
 *   15 min, 30 min, 1 h, 2 h, 4 h, 8 h, for up to 30 days
 *   (https://docs.adyen.com/development-resources/webhooks/troubleshoot). After 8 h the page gives no
 *   further interval: every 8 h is [derived].
 * There is no status endpoint, so time (or `advance`) drives the notifications.
 */
export const numbers: Server.ProcessorNumbers = {
  timing: Server.defaultTiming,
  idempotencyWindowMillis: 31 * RetrySchedule.millis.day,
  retrySchedule: RetrySchedule.check({
    delays: [9, 9, 9].map((s) => s * RetrySchedule.millis.second).concat(
      [2, 5, 10, 15, 30].map((m) => m * RetrySchedule.millis.minute),
      [1, 2, 4, 8].map((h) => h * RetrySchedule.millis.hour)
    ),
    thenEvery: 8 * RetrySchedule.millis.hour,
    giveUpAfterMillis: 30 * RetrySchedule.millis.day
  })
}

/**
 * The emulator's raw refund statuses (Adyen itself only says `received`; the rest name the last notification):
 * `received` → `refunded` (REFUND success=true) | `rejected` (REFUND success=false), then
 * `refund_failed` (REFUND_FAILED) or `refunded_reversed` (REFUNDED_REVERSED).
 */
export type RefundStatus = "received" | "refunded" | "rejected" | "refund_failed" | "refunded_reversed"

/** Adyen-specific state of an emulated refund. */
export interface AdyenRefundAttributes {
  readonly merchantAccount: string
  readonly merchantRefundReason: string | undefined
}

/** Reasons used when none was scripted. */
export const defaultReasons = {
  failed: "Operation failed",
  canceled: "Refund cancelled",
  refundFailed: "Refund failed due to scheme rejection",
  insufficientBalance: "Insufficient balance on payment",
  currencyMismatch: "Modification in different currency than authorisation"
} as const

/** How each {@link Outcome} plays out (after `received`). */
export const lifecycle: Lifecycle = {
  initialStatus: "received",
  steps: (outcome: Outcome, reason: string | undefined): ReadonlyArray<Step> => {
    switch (outcome) {
      case "succeeded":
        return [{ status: "refunded" }]
      case "failed":
        return [{ status: "rejected", reason: reason ?? defaultReasons.failed }]
      case "canceled":
        return [{ status: "rejected", reason: reason ?? defaultReasons.canceled }]
      case "requires_action":
        return []
      case "succeeded_then_reversed":
        return [{ status: "refunded" }, { status: "refunded_reversed", after: "reversal" }]
      case "succeeded_then_failed":
        // REFUND_FAILED only ever follows a successful REFUND: it is "Refund failed due to scheme rejection"
        // (Webhooks-v1.json), and a refund reaches the scheme only after success=true ("in rare cases the refund
        // can be rejected by the card scheme, or reversed … see REFUND_FAILED webhook", docs.adyen.com
        // point-of-sale/basic-tapi-integration/refund-payment/refund-webhooks).
        return [{ status: "refunded" }, { status: "refund_failed", reason: reason ?? defaultReasons.refundFailed, after: "reversal" }]
    }
  },
  holdsFunds: (status) => status === "received" || status === "refunded",
  successStatuses: ["refunded"]
}

const pspAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
/** A 16-character PSP reference. */
export const newPspReference = (): string => randomString(16, pspAlphabet)

// ---------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------

/** Adyen's `ServiceError` response. */
export const serviceError = (
  status: number,
  errorCode: string,
  message: string,
  errorType: "validation" | "security" | "configuration" | "internal",
  headers?: Readonly<Record<string, string>>
): HttpServerResponse.HttpServerResponse =>
  json(
    status,
    { status, errorCode, message, errorType, pspReference: newPspReference() },
    headers === undefined ? {} : { headers }
  )

// ---------------------------------------------------------------------------------------------------------------
// Notifications
// ---------------------------------------------------------------------------------------------------------------

/** The fields of a standard notification item that the HMAC covers. */
export interface NotificationSigningFields {
  readonly pspReference?: string
  readonly originalReference?: string
  readonly merchantAccountCode?: string
  readonly merchantReference?: string
  readonly amount?: { readonly value?: number | string; readonly currency?: string }
  readonly eventCode?: string
  readonly success?: string
}

/** The string Adyen signs: the eight fields joined by `:` (missing → empty, no escaping). */
export const signingString = (item: NotificationSigningFields): string =>
  [
    item.pspReference ?? "",
    item.originalReference ?? "",
    item.merchantAccountCode ?? "",
    item.merchantReference ?? "",
    item.amount?.value ?? "",
    item.amount?.currency ?? "",
    item.eventCode ?? "",
    item.success ?? ""
  ].map(String).join(":")

/** `base64(HMAC-SHA256(hex-decode(hmacKey), data))`. */
export const hmacSignatureOf = (data: string, hmacKey: string): string =>
  hmacSha256(Buffer.from(hmacKey, "hex"), data).toString("base64")

/** The `additionalData.hmacSignature` of a notification item. */
export const hmacSignature = (item: NotificationSigningFields, hmacKey: string): string =>
  hmacSignatureOf(signingString(item), hmacKey)

/** Verifies an item's `additionalData.hmacSignature` (constant time; never throws). */
export const verifyHmacSignature = (
  item: NotificationSigningFields & { readonly additionalData?: { readonly hmacSignature?: string } },
  hmacKey: string
): boolean => {
  const given = item.additionalData?.hmacSignature
  if (typeof given !== "string") return false
  const expected = Buffer.from(hmacSignature(item, hmacKey), "base64")
  return safeEqual(Buffer.from(given, "base64"), expected)
}

/** `2026-11-22T14:05:09+00:00`, the shape of Adyen's `eventDate`. */
export const eventDate = (millis: number): string => `${new Date(millis).toISOString().slice(0, 19)}+00:00`

/** The eventCode / success pair each status is announced with. */
const eventForStatus = (status: string): string =>
  status === "refund_failed" ? "REFUND_FAILED" : status === "refunded_reversed" ? "REFUNDED_REVERSED" : "REFUND"

// ---------------------------------------------------------------------------------------------------------------
// Definition
// ---------------------------------------------------------------------------------------------------------------

type Kit = Server.EmulatorKit<AdyenRefundAttributes>

/** The request fields named, where present (not null). */
const echoed = (body: Readonly<Record<string, unknown>>, names: ReadonlyArray<string>): Record<string, unknown> =>
  Object.fromEntries(names.flatMap((name) => (body[name] === undefined || body[name] === null ? [] : [[name, body[name]]])))

const createRefund = (
  kit: Kit,
  merchantAccount: string,
  paymentPspReference: string,
  request: EmulatorRequest
): HttpServerResponse.HttpServerResponse => {
  const read = readPaymentRefundRequest(request.body)
  if (read._tag === "Refused") {
    const { status, errorCode, message } = read.refusal
    return serviceError(status, errorCode, message, "validation")
  }
  const body = read.body
  if (body.merchantAccount === undefined || body.merchantAccount === null || body.merchantAccount === "") {
    return serviceError(422, "100", "Required field 'merchantAccount' is not provided.", "validation")
  }
  if (body.merchantAccount !== merchantAccount) return serviceError(403, "901", "Invalid Merchant Account", "security")
  const amount = body.amount as { readonly value?: number; readonly currency?: string } | null | undefined
  if (amount === undefined || amount === null) {
    return serviceError(422, "100", "Required object 'amount' is not provided.", "validation")
  }
  // The structure is read already (value an int64, currency a string, when present); these are Adyen's checks.
  if (amount.value === undefined || amount.value === null || amount.value <= 0 || !Number.isSafeInteger(amount.value)) {
    return serviceError(422, "137", "Invalid amount specified", "validation")
  }
  if (typeof amount.currency !== "string" || !/^[A-Z]{3}$/.test(amount.currency)) {
    return serviceError(422, "137", "Invalid currency specified", "validation")
  }
  const payment = kit.store.payment(paymentPspReference)
  if (payment === undefined) {
    return serviceError(422, "167", "Original pspReference required for this operation", "validation")
  }
  const value = amount.value
  const currency = amount.currency
  const forced = currency !== payment.currency
    ? defaultReasons.currencyMismatch
    : value > kit.store.refundable(payment.id)
    ? defaultReasons.insufficientBalance
    : undefined
  const reference = typeof body.reference === "string" ? body.reference : undefined
  const refund = kit.store.createRefund({
    id: newPspReference(),
    payment,
    amount: value,
    currency,
    idempotencyKey: request.headers["idempotency-key"],
    reference,
    attributes: {
      merchantAccount,
      merchantRefundReason: typeof body.merchantRefundReason === "string" ? body.merchantRefundReason : undefined
    },
    ...(forced === undefined ? {} : { forcedSteps: [{ status: "rejected", reason: forced }], reservesFunds: false })
  })
  return json(
    201,
    {
      merchantAccount,
      paymentPspReference: payment.id,
      pspReference: refund.id,
      ...(reference === undefined ? {} : { reference }),
      status: "received",
      amount: { currency, value },
      ...(refund.attributes.merchantRefundReason === undefined
        ? {}
        : { merchantRefundReason: refund.attributes.merchantRefundReason }),
      // PaymentRefundResponse echoes these request fields (CheckoutService-v71.json).
      ...echoed(body, ["capturePspReference", "lineItems", "splits", "store"])
    },
    { headers: { pspReference: refund.id } }
  )
}

/** Closes a payable batch and announces its report with a signed `REPORT_AVAILABLE` notification. */
const closeBatch = (
  kit: Kit,
  ledger: SettlementLedger,
  merchantAccount: string,
  hmacKey: string,
  headers: Readonly<Record<string, string>>,
  origin: string
) => {
  const batch = ledger.close()
  const url = `${origin}${downloadPath(merchantAccount, batch.fileName)}`
  const fields = {
    amount: { currency: "EUR", value: 0 },
    eventCode: "REPORT_AVAILABLE",
    eventDate: eventDate(batch.closedAt),
    merchantAccountCode: merchantAccount,
    merchantReference: "",
    pspReference: batch.fileName,
    reason: url,
    success: "true"
  }
  const item = { additionalData: { hmacSignature: hmacSignature(fields, hmacKey) }, ...fields }
  kit.webhooks.publish([{
    eventType: "REPORT_AVAILABLE",
    refundId: batch.fileName,
    headers,
    body: JSON.stringify({ live: "false", notificationItems: [{ NotificationRequestItem: item }] })
  }])
  return { batchNumber: batch.batchNumber, fileName: batch.fileName, closedAt: batch.closedAt, url, rows: batch.rows.length }
}

/** What the report routes share with the definition. */
interface ReportContext {
  readonly companyAccount: string
  readonly hmacKey: () => string
  readonly headers: Readonly<Record<string, string>>
  readonly intervalMillis: number | undefined
  /** The emulator's origin, for the download URL in `REPORT_AVAILABLE` (known once the server listens). */
  readonly where: { origin: string }
  ledger: SettlementLedger | undefined
}

const routes = (merchantAccount: string, reports: ReportContext) => (kit: Kit): Layer.Layer<never, never, HttpRouter.HttpRouter> =>
  HttpRouter.use((router) =>
    Effect.gen(function*() {
      const notFound = serviceError(404, "000", "HTTP Status Response - Not Found", "security")
      const ledger = new SettlementLedger(kit.store, reports.companyAccount, merchantAccount)
      reports.ledger = ledger
      const close = () => closeBatch(kit, ledger, merchantAccount, reports.hmacKey(), reports.headers, reports.where.origin)
      if (reports.intervalMillis !== undefined) {
        const every = reports.intervalMillis
        const tick = () => {
          close()
          kit.clock.after(every, tick)
        }
        kit.clock.after(every, tick)
      }
      yield* router.add(
        "GET",
        "/reports/download/MerchantAccount/:merchantAccount/:fileName",
        Effect.gen(function*() {
          const params = yield* HttpRouter.params
          const batch = params.merchantAccount === merchantAccount ? ledger.batch(params.fileName ?? "") : undefined
          return batch === undefined
            ? HttpServerResponse.text("Not Found", { status: 404 })
            : HttpServerResponse.text(batch.csv, { contentType: "text/csv", headers: { "content-disposition": `attachment; filename=${batch.fileName}` } })
        })
      )
      // Control API extension (never logged, faulted or authenticated: it lives under /__emulator).
      yield* router.add(
        "POST",
        "/__emulator/adyen/settlement-batches",
        Effect.map(readRequest, (request) => {
          // Started through `layer`, the emulator learns its origin from the first control call.
          if (reports.where.origin === "" && request.headers["host"] !== undefined) reports.where.origin = `http://${request.headers["host"]}`
          return json(201, close())
        })
      )
      yield* router.add(
        "GET",
        "/__emulator/adyen/settlement-batches",
        Effect.sync(() => json(200, { batches: ledger.batches().map((b) => ({ batchNumber: b.batchNumber, fileName: b.fileName, closedAt: b.closedAt })) }))
      )
      yield* router.add(
        "POST",
        "/:version/payments/:pspReference/refunds",
        Effect.gen(function*() {
          const params = yield* HttpRouter.params
          const request = yield* readRequest
          if (!/^v\d+$/.test(params.version ?? "")) return notFound
          return createRefund(kit, merchantAccount, params.pspReference ?? "", request)
        })
      )
      yield* router.add("*", "/*", Effect.succeed(notFound))
    })
  )

/** Builds the emulator definition (one per instance). */
export const definition = (
  options: AdyenEmulatorOptions = {},
  where: { origin: string } = { origin: "" }
): Server.EmulatorDefinition<AdyenRefundAttributes> => {
  const apiKey = options.apiKey ?? defaultApiKey
  const merchantAccount = options.merchantAccount ?? defaultMerchantAccount
  const hmacKey = options.hmacKey ?? options.webhookSecret ?? defaultHmacKey
  if (!/^([0-9a-fA-F]{2})+$/.test(hmacKey)) throw new RangeError("The Adyen HMAC key must be hex")
  const username = options.username ?? defaultUsername
  const password = options.password ?? defaultPassword
  const apiVersion = options.apiVersion ?? "v71"
  const webhookAuth = options.webhookBasicAuth === undefined
    ? {}
    : {
      authorization: `Basic ${
        Buffer.from(`${options.webhookBasicAuth.username}:${options.webhookBasicAuth.password}`).toString("base64")
      }`
    }

  const reportUsername = options.reportUsername ?? defaultReportUsername
  const reportPassword = options.reportPassword ?? defaultReportPassword
  const reports: ReportContext = {
    companyAccount: options.companyAccount ?? defaultCompanyAccount,
    hmacKey: () => hmacKey,
    headers: { "content-type": "application/json", "user-agent": "Adyen HttpClient 1.0", ...webhookAuth },
    intervalMillis: options.settlementBatchIntervalMillis === undefined
      ? undefined
      : options.settlementBatchIntervalMillis > 0
      ? options.settlementBatchIntervalMillis
      : (() => {
        throw new RangeError("settlementBatchIntervalMillis must be positive")
      })(),
    where,
    ledger: undefined
  }

  const authenticate = (request: EmulatorRequest): HttpServerResponse.HttpServerResponse | undefined => {
    const key = request.headers["x-api-key"]
    if (key !== undefined && key === apiKey) return undefined
    const basic = /^Basic\s+(.+)$/i.exec(request.headers["authorization"] ?? "")
    if (key === undefined && basic !== null) {
      const decoded = Buffer.from(basic[1]!.trim(), "base64").toString("utf8")
      if (decoded === `${username}:${password}`) return undefined
      // The report user may download reports and nothing else.
      if (decoded === `${reportUsername}:${reportPassword}` && request.path.startsWith("/reports/download/")) return undefined
    }
    return serviceError(401, "000", "HTTP Status Response - Unauthorized", "security")
  }

  const renderItem = (
    refund: RefundRecord<AdyenRefundAttributes>,
    eventCode: string,
    render: Server.RenderOptions,
    kit: Kit
  ) => {
    const payment = kit.store.payment(refund.paymentId)
    const success = eventCode === "REFUND" ? (refund.status === "rejected" ? "false" : "true") : "true"
    const reason = (eventCode === "REFUND" && success === "false") || eventCode === "REFUND_FAILED"
      ? refund.failureReason ?? ""
      : ""
    const fields = {
      amount: { currency: refund.currency, value: refund.amount },
      eventCode,
      eventDate: eventDate(render.timestampSeconds === undefined ? render.now : render.timestampSeconds * 1000),
      merchantAccountCode: refund.attributes.merchantAccount,
      merchantReference: refund.reference ?? payment?.reference ?? "",
      originalReference: refund.paymentId,
      paymentMethod: "visa",
      pspReference: refund.id,
      reason,
      success
    }
    const signature = hmacSignature(fields, render.secret)
    const item = { additionalData: { hmacSignature: signature }, ...fields }
    if (render.tamper === true) item.amount = { ...item.amount, value: item.amount.value + 1 }
    return item
  }

  return {
    name: "adyen",
    basePath: `/${apiVersion}`,
    credentials: { apiKey, merchantAccount, hmacKey, username, password, reportUsername, reportPassword, companyAccount: reports.companyAccount },
    webhookSecret: hmacKey,
    webhookUrl: options.webhookUrl,
    lifecycle,
    ...Server.numbers(options, numbers),
    newPayment: (input) => {
      const id = newPspReference()
      reports.ledger?.notePayment(id)
      return { id, currency: input.currency.toUpperCase() }
    },
    authenticate,
    idempotency: {
      header: "idempotency-key",
      appliesTo: (request) => request.method === "POST",
      // Adyen replays the first answer for a key; it does not compare bodies.
      fingerprint: () => "",
      // Non-transient errors are stored against the key; transient (5xx) ones are not.
      stores: ({ status }) => status < 500,
      replay: (stored) => Server.fromStored(stored),
      inFlight: () => serviceError(422, "704", "request already processed or in progress", "validation")
    },
    faults: {
      rateLimit: () => serviceError(429, "000", "HTTP Status Response - Too Many Requests", "security"),
      serverError: (status) => serviceError(status, "000", "Internal error", "internal", { "transient-error": "true" })
    },
    decorate: (response, request) => {
      const key = request.headers["idempotency-key"]
      return key !== undefined && request.method === "POST"
        ? withHeaders(response, { "idempotency-key": key })
        : response
    },
    routes: routes(merchantAccount, reports),
    webhooks: {
      eventsFor: (transition) => (transition.from === undefined ? [] : [eventForStatus(transition.to)]),
      defaultEventType: (refund) => eventForStatus(refund.status),
      render: (refund, eventCode, render, kit) => {
        const item = renderItem(refund, eventCode, render, kit)
        return {
          headers: { "content-type": "application/json", "user-agent": "Adyen HttpClient 1.0", ...webhookAuth },
          body: JSON.stringify({ live: "false", notificationItems: [{ NotificationRequestItem: item }] })
        }
      },
      isAccepted: (status, body) => status >= 200 && status < 300 && body.trim() === "[accepted]",
      ...(batching(options.batchNotifications) === undefined ? {} : { batching: batching(options.batchNotifications)! })
    }
  }
}

const notificationItems = (body: string): ReadonlyArray<unknown> =>
  (JSON.parse(body) as { notificationItems: ReadonlyArray<unknown> }).notificationItems

/**
 * Adyen's batches: one `{"live","notificationItems":[…]}` POST with the items of several events for the same
 * merchant account. Each item keeps its own HMAC signature, so combining never re-signs.
 */
const batching = (option: AdyenEmulatorOptions["batchNotifications"]): Batching | undefined => {
  if (option === undefined || option === false) return undefined
  const settings = option === true ? {} : option
  const windowMillis = settings.windowMillis ?? 1_000
  const maxEvents = settings.maxItems ?? 10
  if (!(windowMillis >= 0) || !Number.isInteger(maxEvents) || maxEvents < 1) {
    throw new RangeError("batchNotifications needs windowMillis >= 0 and a positive integer maxItems")
  }
  return {
    windowMillis,
    maxEvents,
    key: (message) => {
      const item = notificationItems(message.body)[0] as { NotificationRequestItem?: { merchantAccountCode?: string } } | undefined
      return item?.NotificationRequestItem?.merchantAccountCode ?? ""
    },
    combine: (messages) => ({
      headers: messages[0]!.headers,
      body: JSON.stringify({ live: "false", notificationItems: messages.flatMap((m) => notificationItems(m.body)) })
    })
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------------------------

/** The Adyen emulator as its own service key (same shape as `EmulatorService`). */
export class Service extends Context.Service<Service, Emulator>()("@refract/testkit/AdyenEmulator") {}

/** Starts an Adyen emulator in the current scope. */
export const make = (
  options: AdyenEmulatorOptions = {}
): Effect.Effect<Server.RunningEmulator<AdyenRefundAttributes>, ServeError, Scope.Scope> =>
  Effect.suspend(() => {
    const where = { origin: "" }
    return Effect.tap(Server.make(definition(options, where), Server.serverOptions(options)), (running) =>
      Effect.sync(() => {
        where.origin = running.origin
      }))
  })

/** Starts an Adyen emulator; stop it with `close()`. */
export const start = async (options: AdyenEmulatorOptions = {}): Promise<Emulator> => {
  const where = { origin: "" }
  const running = await Server.start(definition(options, where), Server.serverOptions(options))
  where.origin = running.origin
  return running
}

/** A layer providing the running emulator as `EmulatorService` and {@link Service}. */
export const layer = (options: AdyenEmulatorOptions = {}): Layer.Layer<EmulatorService | Service, ServeError> =>
  Server.layer(() => definition(options), Server.serverOptions(options), Service)
