/**
 * Handling one webhook delivery: verify, parse, de-duplicate, apply.
 *
 *   const result = yield* EventHandler.handleEvent({ connector: "stripe", request })
 *
 * 1. Verify first and fail closed. A delivery that does not verify is a typed `WebhookError` and never
 *    touches state. Verification uses the bound connector's webhook secrets, or the `secrets` given.
 *    A processor that offers no signing at all is refused unless the application opts in explicitly
 *    (`allowUnsigned: ["<connector id>"]`); the opt-in is ignored for processors that sign.
 * 2. Parse into unified events (Adyen batches several in one delivery).
 * 3. Apply each refund event through the `RefundStore`, which de-duplicates by (connector, event id),
 *    runs the state machine and appends to the history in one atomic step.
 * 4. A notice (a delivery that only names what changed: Mollie's unsigned pings, Mercado Pago's
 *    payment notifications) is read through the connector's `get` flow, and the read is applied as a
 *    poll. Nothing in a notice is believed, so a processor whose deliveries are only notices needs no
 *    signature and no opt-in.
 *
 * When `handleEvent` succeeds every event of the delivery is durably stored, so the caller may
 * acknowledge it; when it fails with a `StoreError`, the caller must answer an error so the processor
 * redelivers (already-applied events then come back as Duplicate).
 */
import { Clock, Data, Effect, Metric, Option, Result } from "effect"
import type { Redacted } from "effect"
import type { HttpClient } from "effect/http"
import type { BoundConnector } from "../connector/BoundConnector.ts"
import type { WebhookSupport } from "../connector/Connector.ts"
import * as Credentials from "../connector/Credentials.ts"
import * as Executor from "../pipeline/Executor.ts"
import { withAttributesCached } from "../pipeline/Telemetry.ts"
import type { Refund, RefundReference } from "../refund/Refund.ts"
import type { RefundStatus } from "../refund/RefundStatus.ts"
import { ConnectorRegistry } from "../service/ConnectorRegistry.ts"
import type { ApplyResult, SearchPage, StoreError } from "../store/RefundStore.ts"
import { maxSearchLimit, RefundStore } from "../store/RefundStore.ts"
import { MissingSignature, NotConfigured, VerificationUnavailable, WebhookError } from "../webhook/WebhookError.ts"
import type { RawWebhookRequest, WebhookEvent, WebhookNotice } from "../webhook/WebhookEvent.ts"
import { verifyAndParse } from "../webhook/Webhooks.ts"

export type Secrets = Readonly<Record<string, string | Redacted.Redacted<string> | undefined>>

export interface HandleOptions {
  /**
   * Connector ids whose processor does not sign webhooks at all and whose deliveries you accept
   * unverified (anyone who can reach the endpoint can then forge events: restrict the endpoint by
   * network). Has no effect on connectors that declare a signing scheme: those are always verified.
   */
  readonly allowUnsigned?: ReadonlyArray<string> | undefined
}

export interface HandleInput {
  /** The connector id the delivery is for ("stripe"), usually from the URL path. */
  readonly connector: string
  /** The request exactly as received (`WebhookEvent.makeRawRequest`). */
  readonly request: RawWebhookRequest
  /** Verify with these webhook secrets instead of the ones the connector was bound with. */
  readonly secrets?: Secrets | undefined
}

export type Acknowledgement = WebhookSupport<any>["acknowledgement"]

/** What one event of a delivery did. */
export type EventOutcome = Data.TaggedEnum<{
  /** The refund's status moved from `previous` to `current`. */
  Applied: { readonly event: WebhookEvent; readonly previous: Refund; readonly current: Refund }
  /** The event repeats the current status (other details may have been filled in). */
  Unchanged: { readonly event: WebhookEvent; readonly current: Refund }
  /** The event is older than the current state (e.g. pending after succeeded): recorded, state kept. */
  Stale: { readonly event: WebhookEvent; readonly current: Refund; readonly observed: RefundStatus }
  /** The event contradicts the state (cancelled after succeeded): recorded, state kept. */
  Rejected: { readonly event: WebhookEvent; readonly current: Refund; readonly observed: RefundStatus }
  /** The processor status is unknown to the connector: recorded, the last known state kept. */
  Unrecognised: { readonly event: WebhookEvent; readonly current: Refund; readonly rawStatus: string }
  /**
   * First sighting of a refund Refract did not create or has not seen (made in the processor's
   * dashboard): recorded, not dropped. `current` is undefined when its status was not recognised.
   */
  UnknownRefund: { readonly event: WebhookEvent; readonly current: Refund | undefined }
  /** This event id was applied before (a redelivery): nothing changed. */
  Duplicate: { readonly event: WebhookEvent; readonly current: Refund | undefined }
  /** Not about a refund (a payment event, a test ping): nothing to apply. */
  Ignored: { readonly event: WebhookEvent }
}>
export const EventOutcome = Data.taggedEnum<EventOutcome>()

export interface HandleResult {
  readonly connector: string
  readonly outcomes: ReadonlyArray<EventOutcome>
  /** The answer the processor expects now that the delivery is stored (Adyen: `[accepted]`). */
  readonly acknowledgement: Acknowledgement
}

export const webhooksReceived = Metric.counter("refract_webhook_events_total", {
  description: "Webhook events by connector and outcome (Applied, Duplicate, Stale, ...)"
})

export const deliveriesRefused = Metric.counter("refract_webhook_refused_total", {
  description: "Webhook deliveries refused before touching state, by connector and reason"
})

const receivedFor = withAttributesCached(webhooksReceived)
const refusedFor = withAttributesCached(deliveriesRefused)

const notConfigured = (connector: string, message: string) =>
  new WebhookError({ connector, reason: new NotConfigured({ message }) })

/** A processor without a signing scheme: its webhook support declares no secrets. */
export const isUnsigned = (support: WebhookSupport<any>): boolean => Object.keys(support.secrets).length === 0

const resolve = (connector: string) =>
  Effect.gen(function*() {
    const registry = yield* ConnectorRegistry
    return yield* registry.get(connector).pipe(
      Effect.mapError((e) => notConfigured(connector, e.reason.message))
    )
  })

/** Verifies (unless an allowed unsigned processor) and parses a delivery. Touches no state. */
export const verify = (
  bound: BoundConnector,
  request: RawWebhookRequest,
  secrets?: Secrets,
  options?: HandleOptions
): Effect.Effect<ReadonlyArray<WebhookEvent>, WebhookError, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const id = bound.id
    const support = bound.connector.webhooks
    if (support === undefined || !bound.connector.capabilities.webhooks) {
      return yield* notConfigured(id, `${bound.connector.displayName} does not receive webhooks through Refract`)
    }
    if (isUnsigned(support)) {
      const parsed = support.parse(request)
      // Notices are believed only through the read they cause; anything a delivery states needs the opt-in.
      const states = Result.isFailure(parsed) || parsed.success.some((event) => event.refund !== undefined)
      if (states && !(options?.allowUnsigned ?? []).includes(id)) {
        return yield* new WebhookError({
          connector: id,
          reason: new MissingSignature({
            message: `${bound.connector.displayName} does not sign its webhooks; accepting unverified deliveries needs ` +
              `the explicit opt-in allowUnsigned: ["${id}"] (see docs/receiving-webhooks.md)`
          })
        })
      }
      if (Result.isFailure(parsed)) return yield* parsed.failure
      return parsed.success
    }
    let verifying = bound
    if (secrets !== undefined) {
      const decoded = Credentials.decode(support.secrets, secrets, `${id} webhook secrets`)
      if (Result.isFailure(decoded)) return yield* notConfigured(id, decoded.failure.message)
      verifying = { ...bound, webhookSecrets: Option.some(decoded.success) }
    }
    return yield* verifyAndParse(verifying, request)
  })

const outcomeOf = (event: WebhookEvent, result: ApplyResult): EventOutcome => {
  if (result._tag === "Duplicate") return EventOutcome.Duplicate({ event, current: result.current })
  const { previous, current, transition } = result
  if (previous === undefined) return EventOutcome.UnknownRefund({ event, current })
  const now = current ?? previous
  switch (transition._tag) {
    case "Applied":
      return EventOutcome.Applied({ event, previous, current: now })
    case "Unchanged":
      return EventOutcome.Unchanged({ event, current: now })
    case "Stale":
      return EventOutcome.Stale({ event, current: now, observed: transition.observed })
    case "Rejected":
      return EventOutcome.Rejected({ event, current: now, observed: transition.observed })
    case "Unrecognised":
      return EventOutcome.Unrecognised({ event, current: now, rawStatus: transition.rawStatus })
  }
}

/** The refunds a notice names: the one it names, else every stored refund of the payment it names. */
const noticed = (bound: BoundConnector, notice: WebhookNotice, store: RefundStore["Service"]) =>
  Effect.gen(function*() {
    const references: Array<Pick<RefundReference, "connectorRefundId" | "connectorTransactionId">> = []
    const payment = notice.connectorTransactionId
    if (notice.connectorRefundId !== undefined) {
      const known = payment === undefined
        ? Option.getOrUndefined(yield* store.get({ connector: bound.id, connectorRefundId: notice.connectorRefundId }))
        : undefined
      const transaction = payment ?? known?.connectorTransactionId
      references.push({ connectorRefundId: notice.connectorRefundId, ...(transaction !== undefined ? { connectorTransactionId: transaction } : {}) })
    } else if (payment !== undefined) {
      let cursor: string | undefined
      do {
        const page: SearchPage = yield* store.search({ id: payment, connector: bound.id, cursor, limit: maxSearchLimit })
        for (const refund of page.refunds) {
          if (refund.connectorTransactionId === payment) references.push(refund.reference)
        }
        cursor = page.next
      } while (cursor !== undefined)
    }
    return references
  })

/**
 * Reads each refund a notice names and applies the read as a poll. A refund the processor does not
 * know (a forged or mistyped id) is ignored; any other failed read fails the delivery (503), so the
 * processor delivers it again.
 */
const readNotice = (bound: BoundConnector, event: WebhookEvent, notice: WebhookNotice, store: RefundStore["Service"]) =>
  Effect.gen(function*() {
    if (bound.connector.get === undefined || !bound.connector.capabilities.get) return [EventOutcome.Ignored({ event })]
    const outcomes: Array<EventOutcome> = []
    for (const reference of yield* noticed(bound, notice, store)) {
      const read = yield* Executor.readRefund(bound, reference as RefundReference).pipe(Effect.result)
      if (Result.isFailure(read)) {
        if (read.failure.reason._tag === "NotFound") continue
        return yield* new WebhookError({
          connector: bound.id,
          reason: new VerificationUnavailable({
            message: `could not read refund ${reference.connectorRefundId}, which the delivery names: ${read.failure.reason._tag}: ${read.failure.reason.message}`
          })
        })
      }
      const receivedAt = yield* Clock.currentTimeMillis
      outcomes.push(outcomeOf(event, yield* store.apply({ connector: bound.id, snapshot: read.success, source: "poll", receivedAt })))
    }
    return outcomes.length === 0 ? [EventOutcome.Ignored({ event })] : outcomes
  })

/**
 * Verifies, parses, de-duplicates and applies one delivery. Succeeds only once every refund event of
 * the delivery is durably stored.
 */
export const handleEvent = (
  input: HandleInput,
  options?: HandleOptions
): Effect.Effect<HandleResult, WebhookError | StoreError, RefundStore | ConnectorRegistry | HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const bound = yield* resolve(input.connector)
    const events = yield* verify(bound, input.request, input.secrets, options).pipe(
      Effect.tapError((e) =>
        Metric.update(refusedFor({ connector: bound.id, reason: e.reason._tag }), 1)
      )
    )
    const store = yield* RefundStore
    const outcomes: Array<EventOutcome> = []
    for (const event of events) {
      const snapshot = event.refund
      if (snapshot === undefined) {
        if (event.notice !== undefined) outcomes.push(...yield* readNotice(bound, event, event.notice, store))
        else outcomes.push(EventOutcome.Ignored({ event }))
        continue
      }
      const receivedAt = yield* Clock.currentTimeMillis
      const result = yield* store.apply({
        connector: bound.id,
        snapshot,
        source: "webhook",
        eventId: event.eventId,
        receivedAt
      })
      outcomes.push(outcomeOf(event, result))
    }
    for (const outcome of outcomes) {
      yield* Metric.update(receivedFor({ connector: bound.id, outcome: outcome._tag }), 1)
    }
    yield* Effect.annotateCurrentSpan({ "refract.events": outcomes.length, "refract.outcomes": outcomes.map((o) => o._tag).join(",") })
    return { connector: bound.id, outcomes, acknowledgement: bound.connector.webhooks!.acknowledgement }
    // No stack capture: this span is made for every delivery, and its name says where it is.
  }).pipe(Effect.withSpan("refract.handleEvent", { attributes: { "refract.connector": input.connector } }, { captureStackTrace: false }))

/** A one-line summary of an outcome, for logs and the CLI. */
export const describe = (outcome: EventOutcome): string => {
  const current = "current" in outcome ? outcome.current : undefined
  const ref = outcome.event.refund?.connectorRefundId ?? current?.connectorRefundId ?? outcome.event.notice?.connectorRefundId ??
    outcome.event.notice?.connectorTransactionId ?? "-"
  switch (outcome._tag) {
    case "Applied":
      return `${ref}: ${outcome.previous.status} -> ${outcome.current.status}`
    case "Unchanged":
      return `${ref}: unchanged (${outcome.current.status})`
    case "Stale":
      return `${ref}: stale ${outcome.observed} ignored (still ${outcome.current.status})`
    case "Rejected":
      return `${ref}: contradicting ${outcome.observed} ignored (still ${outcome.current.status})`
    case "Unrecognised":
      return `${ref}: unrecognised status ${JSON.stringify(outcome.rawStatus)} (still ${outcome.current.status})`
    case "UnknownRefund":
      return `${ref}: first seen, recorded as ${outcome.current?.status ?? `unrecognised ${JSON.stringify(outcome.event.refund?.rawStatus)}`}`
    case "Duplicate":
      return `${ref}: duplicate event ${outcome.event.eventId}`
    case "Ignored":
      return `event ${outcome.event.eventId} (${outcome.event.eventType}) ignored: not about a refund`
  }
}
