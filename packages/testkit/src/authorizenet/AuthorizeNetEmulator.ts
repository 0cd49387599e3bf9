/**
 * A stateful Authorize.net emulator speaking the JSON flavour of the Authorize.net API
 * (`POST /xml/v1/request.api`, one endpoint for every call, auth in the body):
 *
 * - `createTransactionRequest` with `transactionType: "refundTransaction"` (amount, `payment.creditCard`
 *   with the original card's last four and `expirationDate: "XXXX"`, `refTransId`, `order.invoiceNumber`,
 *   `transactionSettings` `duplicateWindow`),
 * - `getTransactionDetailsRequest`, `getUnsettledTransactionListRequest`, `getSettledBatchListRequest`,
 *   `getTransactionListRequest`,
 * - answers that start with a UTF-8 BOM and are HTTP 200 for errors too (`messages.resultCode` Ok/Error,
 *   `transactionResponse.responseCode` 1/2/3/4 with `errors[]{errorCode, errorText}`),
 * - `X-ANET-Signature: sha512=<HEX>` webhooks (`net.authorize.payment.refund.created`,
 *   `net.authorize.payment.void.created`).
 *
 * Requests are held to the schema of AuthorizeNet/sdk-node `lib/apicontracts.js` (element names and their
 * order, which the XML-schema-backed JSON API enforces) by `AuthorizeNetRequest.ts`. Authorize.net has no
 * idempotency key: a repeat inside the duplicate window is refused (response reason 11, with the original
 * transaction's id when the request set `duplicateWindow`), never processed twice.
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
import * as Req from "./AuthorizeNetRequest.ts"

export { answer, apiError } from "./AuthorizeNetRequest.ts"

/** Options of the Authorize.net emulator. */
export interface AuthorizeNetEmulatorOptions extends EmulatorOptions {
  /** The one valid API login id (`merchantAuthentication.name`, at most 25 characters). `apiKey` is an alias. */
  readonly apiLoginId?: string
  /** The transaction key that goes with it (16 characters). */
  readonly transactionKey?: string
}

/** Default API login id (sandbox login ids are 8 to 25 characters). */
export const defaultApiLoginId = "5KP3u95bQpv"
/** Default transaction key (Authorize.net issues 16-character keys). */
export const defaultTransactionKey = "346HZ32z3fP4hTG2"
/** Default Signature Key: 128 hex characters, as the Merchant Interface generates it. */
export const defaultSignatureKey = createHash("sha512").update("refract authorize.net emulator signature key").digest("hex").toUpperCase()
/** The `webhookId` of emulated deliveries. */
export const webhookId = "5b8e7c5d-2d3b-4c29-9a7b-0c2f8a7d1e11"

/** Authorize.net `transactionStatus` values an emulated refund takes. */
export type RefundStatus = "refundPendingSettlement" | "refundSettledSuccessfully" | "settlementError" | "voided"

/** Authorize.net-specific state of an emulated refund. */
export interface AuthorizeNetRefundAttributes {
  readonly refTransId: string
  readonly invoiceNumber: string | undefined
  readonly description: string | undefined
  readonly cardLastFour: string
  readonly refId: string | undefined
  /** The `duplicateWindow` the create sent (part of the duplicate check). */
  readonly duplicateWindowSeconds: number | undefined
}

/**
 * A payment's reference as `createPayment` returns it: `<transId>:<last four of the card>`. Authorize.net
 * refunds a settled card transaction only with the card's last four digits besides its `transId`, so this is
 * what a Refract caller passes as the payment (the connector splits it); the bare `transId` is an alias.
 */
export const paymentReference = (transId: string, lastFour: string): string => `${transId}:${lastFour}`
const lastFourOf = (payment: PaymentRecord): string => payment.id.split(":")[1] ?? "1111"

/**
 * How each {@link Outcome} plays out after `refundPendingSettlement`. Authorize.net reports no reversal of
 * a settled refund: both reversal outcomes end `refundSettledSuccessfully`; `failed` ends `settlementError`
 * (the batch failed to settle), `canceled` ends `voided`, `requires_action` stays pending (never batched).
 */
export const lifecycle: Lifecycle = {
  initialStatus: "refundPendingSettlement",
  steps: (outcome: Outcome, reason: string | undefined): ReadonlyArray<Step> => {
    switch (outcome) {
      case "succeeded":
      case "succeeded_then_reversed":
      case "succeeded_then_failed":
        return [{ status: "refundSettledSuccessfully" }]
      case "failed":
        return [{ status: "settlementError", reason: reason ?? "settlement_error" }]
      case "canceled":
        return [{ status: "voided", reason: reason ?? "voided" }]
      case "requires_action":
        return []
    }
  },
  holdsFunds: (status) => status === "refundPendingSettlement" || status === "refundSettledSuccessfully",
  successStatuses: ["refundSettledSuccessfully"]
}

/**
 * Authorize.net settles once a day at the merchant's cut-off time; the emulator settles after
 * `settleAfterMillis` like the other emulators. Webhook retries: Authorize.net retries failed deliveries
 * but publishes no schedule in the API reference found (exponential from a minute, for a day, [derived]).
 */
export const numbers: Server.ProcessorNumbers = {
  timing: Server.defaultTiming,
  // Unused: Authorize.net takes no idempotency key (no idempotency policy below); the framework wants a positive number.
  idempotencyWindowMillis: RetrySchedule.millis.day,
  retrySchedule: RetrySchedule.exponential({
    firstMillis: RetrySchedule.millis.minute,
    factor: 2,
    maxMillis: 4 * RetrySchedule.millis.hour,
    withinMillis: RetrySchedule.millis.day
  })
}

type Kit = Server.EmulatorKit<AuthorizeNetRefundAttributes>
type Refund = RefundRecord<AuthorizeNetRefundAttributes>

// ---------------------------------------------------------------------------------------------------------------
// Ids, money and times
// ---------------------------------------------------------------------------------------------------------------

let transIdCounter = 60_000_000_000 + Math.floor(Math.random() * 1_000_000_000)
/** Authorize.net transaction ids are numeric strings (sandbox ids are 11 digits today). */
const newTransId = (): string => String(++transIdCounter)

/** ISO 4217 exponents the emulator knows (others: 2). */
const exponents: Readonly<Record<string, number>> = { JPY: 0, KRW: 0, VND: 0, CLP: 0, ISK: 0, KWD: 3, BHD: 3, JOD: 3, OMR: 3, TND: 3 }
export const exponentOf = (currency: string): number => (Object.hasOwn(exponents, currency) ? exponents[currency]! : 2)

/** Minor units → Authorize.net's decimal amount (a JSON number in answers, as the API sends it). */
export const decimalOf = (minor: number, currency: string): number => {
  const e = exponentOf(currency)
  return e === 0 ? minor : Number(`${Math.trunc(minor / 10 ** e)}.${String(minor % 10 ** e).padStart(e, "0")}`)
}

/** `2026-12-06T04:13:56.123Z` (Authorize.net's UTC times carry milliseconds). */
const utc = (millis: number): string => new Date(millis).toISOString()
/** Local time of the merchant; the emulated merchant is on UTC (no offset in `…Local`). */
const local = (millis: number): string => new Date(millis).toISOString().slice(0, -1)

// ---------------------------------------------------------------------------------------------------------------
// Batches: refunds settle in batches; one batch per settlement second
// ---------------------------------------------------------------------------------------------------------------

/** When the refund left `refundPendingSettlement` for a settled state, if it did. */
const settledAt = (refund: Refund): number | undefined => {
  for (const entry of refund.history) {
    if (entry.status === "refundSettledSuccessfully" || entry.status === "settlementError") return entry.at
  }
  return undefined
}

class Batches {
  private readonly ids = new Map<number, string>()
  private next = 10_000_000 + Math.floor(Math.random() * 1_000_000)
  idAt(second: number): string {
    let id = this.ids.get(second)
    if (id === undefined) {
      id = String(++this.next)
      this.ids.set(second, id)
    }
    return id
  }
  secondOf(batchId: string): number | undefined {
    for (const [second, id] of this.ids) if (id === batchId) return second
    return undefined
  }
}

const batchOf = (batches: Batches, refund: Refund): { id: string; at: number; state: string } | undefined => {
  const at = settledAt(refund)
  if (at === undefined) return undefined
  const second = Math.floor(at / 1000)
  return {
    id: batches.idAt(second),
    at: second * 1000,
    state: refund.status === "settlementError" ? "settlementError" : "settledSuccessfully"
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------------------------------------------

const maskedCard = (lastFour: string) => `XXXX${lastFour}`

/** `transaction` of getTransactionDetailsResponse (TransactionDetailsType, in schema order). */
const transactionDetails = (refund: Refund, batches: Batches): Record<string, unknown> => {
  const a = refund.attributes
  const batch = batchOf(batches, refund)
  const amount = decimalOf(refund.amount, refund.currency)
  return {
    transId: refund.id,
    refTransId: a.refTransId,
    submitTimeUTC: utc(refund.createdAt),
    submitTimeLocal: local(refund.createdAt),
    transactionType: "refundTransaction",
    transactionStatus: refund.status,
    responseCode: 1,
    responseReasonCode: 1,
    responseReasonDescription: "Approval",
    authCode: "",
    AVSResponse: "P",
    ...(batch === undefined ? {} : {
      batch: {
        batchId: batch.id,
        settlementTimeUTC: utc(batch.at),
        settlementTimeLocal: local(batch.at),
        settlementState: batch.state,
        marketType: "eCommerce",
        product: "Card Not Present"
      }
    }),
    ...(a.invoiceNumber === undefined && a.description === undefined ? {} : {
      order: {
        ...(a.invoiceNumber === undefined ? {} : { invoiceNumber: a.invoiceNumber }),
        ...(a.description === undefined ? {} : { description: a.description })
      }
    }),
    authAmount: amount,
    settleAmount: amount,
    taxExempt: false,
    payment: { creditCard: { cardNumber: maskedCard(a.cardLastFour), expirationDate: "XXXX", cardType: "Visa" } },
    recurringBilling: false,
    product: "Card Not Present",
    marketType: "eCommerce"
  }
}

/** TransactionSummaryType (getUnsettledTransactionList / getTransactionList). */
const summary = (refund: Refund): Record<string, unknown> => ({
  transId: refund.id,
  submitTimeUTC: utc(refund.createdAt),
  submitTimeLocal: local(refund.createdAt),
  transactionStatus: refund.status,
  ...(refund.attributes.invoiceNumber === undefined ? {} : { invoiceNumber: refund.attributes.invoiceNumber }),
  accountType: "Visa",
  accountNumber: maskedCard(refund.attributes.cardLastFour),
  settleAmount: decimalOf(refund.amount, refund.currency),
  marketType: "eCommerce",
  product: "Card Not Present"
})

/** Sorting and paging of the list calls (`paging.limit` 1..1000, `paging.offset` a 1-based page). */
const page = <T>(items: ReadonlyArray<T>, params: Req.ListParams): ReadonlyArray<T> => {
  const sorted = params.orderDescending ? items.toReversed() : items
  if (params.limit === undefined) return sorted
  const start = (params.offset - 1) * params.limit
  return sorted.slice(start, start + params.limit)
}

const byCreation = (a: Refund, b: Refund) => a.createdAt - b.createdAt || Number(a.id) - Number(b.id)

// ---------------------------------------------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------------------------------------------

/** The duplicate window: default 2 minutes, `duplicateWindow` up to 28800 s (8 hours). */
export const DEFAULT_DUPLICATE_WINDOW_SECONDS = 120
export const MAX_DUPLICATE_WINDOW_SECONDS = 28_800

const refundTransaction = (kit: Kit, params: Req.RefundParams): HttpServerResponse.HttpServerResponse => {
  const declineWith = (code: string, text: string) => Req.transactionError(params.refId, code, text, params.cardLastFour)
  const payment = kit.store.payment(params.refTransId)
  // 54: "The referenced transaction does not meet the criteria for issuing a credit."
  if (payment === undefined) return declineWith("54", Req.reasonTexts["54"]!)
  if (params.cardLastFour !== lastFourOf(payment)) return declineWith("54", Req.reasonTexts["54"]!)
  if (params.currencyCode !== undefined && params.currencyCode !== payment.currency) return declineWith("39", Req.reasonTexts["39"]!)
  const amount = Req.minorUnits(params.amount, exponentOf(payment.currency))
  if (amount === undefined || amount <= 0) return declineWith("5", Req.reasonTexts["5"]!)
  const now = kit.clock.now()
  // The duplicate check compares the request's fields (card number as sent, expiration, type, amount, invoice
  // number, duplicate window...; support.authorize.net article 000001473 lists them; refTransId is not among
  // them). With `duplicateWindow` in the request, the answer to a duplicate carries the ORIGINAL transaction's
  // id ("Response for Duplicate Transactions", developer.authorize.net SIM guide); without it, no details.
  const windowMillis = (params.duplicateWindowSeconds ?? DEFAULT_DUPLICATE_WINDOW_SECONDS) * 1000
  const original = windowMillis <= 0 ? undefined : kit.store.list((r) =>
    r.amount === amount && r.currency === payment.currency && r.attributes.cardLastFour === params.cardLastFour &&
    r.attributes.invoiceNumber === params.invoiceNumber && r.attributes.duplicateWindowSeconds === params.duplicateWindowSeconds &&
    now - r.createdAt < windowMillis
  )[0]
  if (original !== undefined) {
    return Req.transactionError(
      params.refId,
      "11",
      Req.reasonTexts["11"]!,
      params.cardLastFour,
      params.duplicateWindowSeconds === undefined ? undefined : { transId: original.id, refTransId: original.attributes.refTransId }
    )
  }
  // 55: "The sum of credits against the referenced transaction would exceed original debit amount."
  if (amount > kit.store.refundable(payment.id)) return declineWith("55", Req.reasonTexts["55"]!)
  const refund = kit.store.createRefund({
    id: newTransId(),
    payment,
    amount,
    currency: payment.currency,
    reference: params.invoiceNumber,
    // No idempotency key at Authorize.net: the invoice number is what identifies a repeat (with the amount
    // and card), so the truth API reports it as the refund's key.
    idempotencyKey: params.invoiceNumber,
    metadata: params.description === undefined ? {} : { description: params.description },
    attributes: {
      refTransId: params.refTransId,
      invoiceNumber: params.invoiceNumber,
      description: params.description,
      cardLastFour: params.cardLastFour,
      refId: params.refId,
      duplicateWindowSeconds: params.duplicateWindowSeconds
    }
  })
  return Req.answer({
    transactionResponse: {
      responseCode: "1",
      authCode: "",
      avsResultCode: "P",
      cvvResultCode: "",
      cavvResultCode: "",
      transId: refund.id,
      refTransID: params.refTransId,
      transHash: "",
      testRequest: "0",
      accountNumber: maskedCard(params.cardLastFour),
      accountType: "Visa",
      messages: [{ code: "1", description: "This transaction has been approved." }],
      transHashSha2: "",
      SupplementalDataQualificationIndicator: 0
    },
    ...(params.refId === undefined ? {} : { refId: params.refId }),
    messages: Req.ok
  })
}

const handle = (kit: Kit, batches: Batches, credentials: Req.Credentials, request: EmulatorRequest): HttpServerResponse.HttpServerResponse => {
  const parsed = Req.parse(request, credentials, kit.clock.now())
  if (Req.isResponse(parsed)) return parsed
  const refId = parsed.refId
  const withRefId = refId === undefined ? {} : { refId }
  switch (parsed._tag) {
    case "Refund":
      return refundTransaction(kit, parsed.params)
    case "Details": {
      const refund = kit.store.get(parsed.transId)
      if (refund === undefined) return Req.apiError("E00040", "The record cannot be found.", refId)
      return Req.answer({ transaction: transactionDetails(refund, batches), ...withRefId, messages: Req.ok })
    }
    case "Unsettled": {
      const lag = kit.store.listLagMillis
      const visibleUntil = kit.clock.now() - lag
      const all = kit.store.list((r) => settledAt(r) === undefined && r.createdAt <= visibleUntil).toSorted(byCreation)
      const items = page(all, parsed.params)
      return Req.answer({
        ...(items.length === 0 ? {} : { transactions: items.map(summary) }),
        totalNumInResultSet: all.length,
        ...withRefId,
        messages: items.length === 0 ? Req.noRecords : Req.ok
      })
    }
    case "Batches": {
      const visibleUntil = kit.clock.now() - kit.store.listLagMillis
      const seen = new Map<string, { id: string; at: number; state: string }>()
      for (const refund of kit.store.list(() => true)) {
        const batch = batchOf(batches, refund)
        if (batch === undefined || batch.at > visibleUntil || batch.at < parsed.first || batch.at > parsed.last) continue
        const known = seen.get(batch.id)
        if (known === undefined || batch.state === "settlementError") seen.set(batch.id, batch)
      }
      const list = [...seen.values()].toSorted((a, b) => a.at - b.at)
      return Req.answer({
        ...(list.length === 0 ? {} : {
          batchList: list.map((b) => ({
            batchId: b.id,
            settlementTimeUTC: utc(b.at),
            settlementTimeLocal: local(b.at),
            settlementState: b.state,
            paymentMethod: "creditCard",
            marketType: "eCommerce",
            product: "Card Not Present"
          }))
        }),
        ...withRefId,
        messages: list.length === 0 ? Req.noRecords : Req.ok
      })
    }
    case "BatchTransactions": {
      const second = batches.secondOf(parsed.batchId)
      const visibleUntil = kit.clock.now() - kit.store.listLagMillis
      const all = second === undefined || second * 1000 > visibleUntil
        ? []
        : kit.store.list((r) => batchOf(batches, r)?.id === parsed.batchId).toSorted(byCreation)
      const items = page(all, parsed.params)
      return Req.answer({
        ...(items.length === 0 ? {} : { transactions: items.map(summary) }),
        totalNumInResultSet: all.length,
        ...withRefId,
        messages: items.length === 0 ? Req.noRecords : Req.ok
      })
    }
  }
}

const routes = (credentials: Req.Credentials) => (kit: Kit): Layer.Layer<never, never, HttpRouter.HttpRouter> =>
  HttpRouter.use((router) =>
    Effect.gen(function*() {
      const batches = new Batches()
      yield* router.add("POST", "/xml/v1/request.api", Effect.map(readRequest, (request) => handle(kit, batches, credentials, request)))
      // Other paths: Authorize.net's IIS answers 404 with an HTML page.
      yield* router.add("*", "/*", Effect.succeed(HttpServerResponse.text("<h2>404 - File or directory not found.</h2>", { status: 404, contentType: "text/html" })))
    })
  )

// ---------------------------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------------------------

export const REFUND_CREATED = "net.authorize.payment.refund.created"
export const VOID_CREATED = "net.authorize.payment.void.created"

/** `X-ANET-Signature` value: `sha512=` + upper-case hex HMAC-SHA512 keyed with the Signature Key's text. */
export const signature = (body: string, signatureKey: string): string =>
  `sha512=${createHmac("sha512", Buffer.from(signatureKey, "utf8")).update(body, "utf8").digest("hex").toUpperCase()}`

const uuidOf = (text: string): string => {
  const h = createHash("sha256").update(text).digest("hex")
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}

// ---------------------------------------------------------------------------------------------------------------
// Definition and entry points
// ---------------------------------------------------------------------------------------------------------------

/** Builds the emulator definition (one per instance). */
export const definition = (options: AuthorizeNetEmulatorOptions = {}): Server.EmulatorDefinition<AuthorizeNetRefundAttributes> => {
  const apiLoginId = options.apiLoginId ?? options.apiKey ?? defaultApiLoginId
  const transactionKey = options.transactionKey ?? defaultTransactionKey
  const signatureKey = options.webhookSecret ?? defaultSignatureKey
  return {
    name: "authorizenet",
    listLagMillis: options.listLagMillis ?? 0,
    credentials: { apiLoginId, transactionKey },
    webhookSecret: signatureKey,
    webhookUrl: options.webhookUrl,
    lifecycle,
    ...Server.numbers(options, numbers),
    newPayment: (input) => {
      const transId = newTransId()
      return { id: paymentReference(transId, randomString(4, "0123456789")), aliases: [transId], currency: input.currency.toUpperCase() }
    },
    routes: routes({ apiLoginId, transactionKey }),
    faults: {
      // Authorize.net documents no rate-limit answer; the framework's 429 carries the API's error envelope.
      rateLimit: () => Req.apiError("E00001", "An error occurred during processing. Please try again.", undefined, 429),
      serverError: (status) => Req.apiError("E00001", "An error occurred during processing. Please try again.", undefined, status)
    },
    webhooks: {
      eventsFor: (transition) => {
        if (transition.from === undefined) return [REFUND_CREATED]
        if (transition.to === "voided") return [VOID_CREATED]
        // Authorize.net has no event for a batch settling.
        return []
      },
      defaultEventType: (refund) => (refund.status === "voided" ? VOID_CREATED : REFUND_CREATED),
      render: (refund, eventType, render) => {
        const last = refund.history[refund.history.length - 1]
        const at = render.timestampSeconds !== undefined ? render.timestampSeconds * 1000 : (last?.at ?? refund.createdAt)
        const notificationId = uuidOf(`${refund.id}|${eventType}`)
        const payload = {
          responseCode: 1,
          authCode: "",
          avsResponse: "P",
          authAmount: decimalOf(refund.amount, refund.currency),
          ...(refund.attributes.invoiceNumber === undefined ? {} : { invoiceNumber: refund.attributes.invoiceNumber }),
          entityName: "transaction",
          id: refund.id
        }
        const event = { notificationId, eventType, eventDate: utc(at), webhookId, payload }
        const signedBody = JSON.stringify(event)
        const body = render.tamper === true ? JSON.stringify({ ...event, payload: { ...payload, id: String(Number(refund.id) + 1) } }) : signedBody
        return {
          headers: { "content-type": "application/json", "x-anet-signature": signature(signedBody, render.secret) },
          body
        }
      },
      eventId: (message) => {
        try {
          const id = (JSON.parse(message.body) as { notificationId?: unknown }).notificationId
          return typeof id === "string" ? id : undefined
        } catch {
          return undefined
        }
      }
    }
  }
}

/** The Authorize.net emulator as its own service key (same shape as `EmulatorService`). */
export class Service extends Context.Service<Service, Emulator>()("@refract/testkit/AuthorizeNetEmulator") {}

/** Starts an Authorize.net emulator in the current scope. */
export const make = (
  options: AuthorizeNetEmulatorOptions = {}
): Effect.Effect<Server.RunningEmulator<AuthorizeNetRefundAttributes>, ServeError, Scope.Scope> =>
  Effect.suspend(() => Server.make(definition(options), Server.serverOptions(options)))

/** Starts an Authorize.net emulator; stop it with `close()`. */
export const start = (options: AuthorizeNetEmulatorOptions = {}): Promise<Emulator> =>
  Server.start(definition(options), Server.serverOptions(options))

/** A layer providing the running emulator as `EmulatorService` and {@link Service}. */
export const layer = (options: AuthorizeNetEmulatorOptions = {}): Layer.Layer<EmulatorService | Service, ServeError> =>
  Server.layer(() => definition(options), Server.serverOptions(options), Service)
