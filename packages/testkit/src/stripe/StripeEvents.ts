/**
 * Stripe's Events API over the emulator's event log (`GET /v1/events`, `GET /v1/events/:id`), so a receiver
 * that missed deliveries can list them, and `previous_attributes`, the part of `*.updated` events that says
 * what changed.
 *
 * Sources (stripe-node 23.1.0, `resources/Events.d.ts`, generated from Stripe's OpenAPI spec):
 * - list: "List events, going back up to 30 days"; retrieve: "if it was created in the last 30 days";
 * - `EventListParams`: `created`, `delivery_success` ("If false, events which are still pending or have failed
 *   all delivery attempts to a webhook endpoint will be returned"), `ending_before`, `expand`, `limit`,
 *   `starting_after`, `type` ("a specific event name, or group of events using * as a wildcard") and `types`
 *   ("up to 20 strings … You may pass either `type` or `types`, but not both");
 * - `Event.Data.previous_attributes`: "Object containing the names of the updated attributes and their values
 *   prior to the event (only included in events of type `*.updated`). If an array attribute has any updated
 *   elements, this object contains the entire array."; `pending_webhooks`: "Number of webhooks that haven't
 *   been successfully delivered".
 *
 * @since 0.1.0
 */
import type { HttpServerResponse } from "effect/http"
import type { WebhookEventRecord } from "../emulator/Emulator.ts"
import { json } from "../emulator/Http.ts"
import * as RetrySchedule from "../emulator/RetrySchedule.ts"
import * as Params from "./StripeParams.ts"

/** How long Stripe keeps events retrievable. */
export const retentionMillis = 30 * RetrySchedule.millis.day

// ---------------------------------------------------------------------------------------------------------------
// previous_attributes
// ---------------------------------------------------------------------------------------------------------------

type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [k: string]: Json }

const isObject = (v: unknown): v is Readonly<Record<string, Json>> => typeof v === "object" && v !== null && !Array.isArray(v)

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

/**
 * The `previous_attributes` of an update from `before` to `after`: each changed attribute with its value before
 * (`null` when it was absent). Nested hashes list only their changed keys; a changed array is given whole.
 */
export const previousAttributes = (before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const was = Object.hasOwn(before, key) ? before[key] : undefined
    const now = Object.hasOwn(after, key) ? after[key] : undefined
    if (same(was, now)) continue
    if (isObject(was) && isObject(now)) out[key] = previousAttributes(was, now)
    else out[key] = was === undefined ? null : was
  }
  return out
}

/** Only `*.updated` events carry `previous_attributes`; `refund.failed`, `refund.created`, `charge.refunded` do not. */
export const carriesPreviousAttributes = (eventType: string): boolean => eventType.endsWith(".updated")

// ---------------------------------------------------------------------------------------------------------------
// Events API
// ---------------------------------------------------------------------------------------------------------------

/** Whether some delivery of the event is still to come or failed for good (what `delivery_success=false` lists). */
const deliveryOutstanding = (record: WebhookEventRecord): boolean =>
  !record.acknowledged && (record.gaveUp || record.delivered || record.nextAttemptAt !== undefined)

/** The event object as the API serves it: the body as first rendered, with `pending_webhooks` as of now. */
const eventObject = (record: WebhookEventRecord): Record<string, unknown> | undefined => {
  try {
    const event = JSON.parse(record.payload) as Record<string, unknown>
    const pending = !record.acknowledged && !record.gaveUp && (record.delivered || record.nextAttemptAt !== undefined)
    return { ...event, pending_webhooks: pending ? 1 : 0 }
  } catch {
    return undefined
  }
}

const createdSeconds = (record: WebhookEventRecord): number => Math.floor(record.createdAt / 1000)

const notFound = (id: string, param: string) =>
  Params.errorResponse(404, { type: "invalid_request_error", code: "resource_missing", message: `No such event: '${id}'`, param })

/** `expand` on events: nothing in an event is expandable. */
const refuseExpand = (expand: ReadonlyArray<string>): HttpServerResponse.HttpServerResponse | undefined => {
  const first = expand[0]
  return first === undefined
    ? undefined
    : Params.errorResponse(400, { type: "invalid_request_error", message: `This property cannot be expanded (${first}).` })
}

const typeMatcher = (pattern: string): RegExp =>
  new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`)

/**
 * The event log as the Events API reads it, by position (0 = oldest; `createdAt` never decreases), so a page
 * costs O(log n + what it scans) instead of a copy of the whole log. `WebhookEngine` is one.
 */
export interface EventLog {
  eventCount(): number
  eventAt(index: number): WebhookEventRecord | undefined
  eventCreatedAt(index: number): number | undefined
  eventIndex(id: string): number | undefined
}

/** An {@link EventLog} over an array (oldest first). */
export const arrayLog = (events: ReadonlyArray<WebhookEventRecord>): EventLog => ({
  eventCount: () => events.length,
  eventAt: (i) => events[i],
  eventCreatedAt: (i) => events[i]?.createdAt,
  eventIndex: (id) => {
    for (let i = events.length - 1; i >= 0; i--) if (events[i]!.id === id) return i
    return undefined
  }
})

/** First index whose `createdAt` is at least `millis`. */
const firstAtOrAfter = (log: EventLog, millis: number): number => {
  let lo = 0
  let hi = log.eventCount()
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (log.eventCreatedAt(mid)! < millis) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** The index of a retained event, if `id` names one. */
const retainedIndex = (log: EventLog, now: number, id: string): number | undefined => {
  const index = log.eventIndex(id)
  return index === undefined || log.eventCreatedAt(index)! < now - retentionMillis ? undefined : index
}

/** `GET /v1/events`, newest first. */
export const list = (log: EventLog, now: number, values: Params.Values): HttpServerResponse.HttpServerResponse => {
  const expanded = refuseExpand(Params.strings(values, "expand"))
  if (expanded !== undefined) return expanded
  const type = Params.string(values, "type")
  const types = values.has("types") ? Params.strings(values, "types") : undefined
  if (type !== undefined && types !== undefined) {
    return Params.errorResponse(400, {
      type: "invalid_request_error",
      code: "parameters_exclusive",
      message: "You may pass either type or types, but not both.",
      param: "types"
    })
  }
  const matcher = type === undefined ? undefined : typeMatcher(type)
  const created = Params.range(values, "created")
  const success = Params.boolean(values, "delivery_success")
  const matches = (e: WebhookEventRecord) =>
    (matcher === undefined || matcher.test(e.type)) &&
    (types === undefined || types.includes(e.type)) &&
    Params.inRange(createdSeconds(e), created) &&
    (success === undefined || success === !deliveryOutstanding(e))
  const limit = Params.integer(values, "limit") ?? 10
  const after = Params.string(values, "starting_after")
  const before = Params.string(values, "ending_before")
  // The window of positions: retained, within `created` (seconds, so [gte s, lte s + 1 000 ms)).
  let lo = firstAtOrAfter(log, now - retentionMillis)
  let hi = log.eventCount()
  if (created !== undefined) {
    const from = Math.max(
      created.gt === undefined ? -Infinity : (created.gt + 1) * 1000,
      created.gte === undefined ? -Infinity : created.gte * 1000
    )
    const until = Math.min(
      created.lt === undefined ? Infinity : created.lt * 1000,
      created.lte === undefined ? Infinity : (created.lte + 1) * 1000
    )
    if (from !== -Infinity) lo = Math.max(lo, firstAtOrAfter(log, from))
    if (until !== Infinity) hi = Math.min(hi, firstAtOrAfter(log, until))
  }
  const page: Array<WebhookEventRecord> = []
  let hasMore: boolean
  if (before !== undefined && after === undefined) {
    const index = retainedIndex(log, now, before)
    if (index === undefined) return notFound(before, "ending_before")
    for (let i = Math.max(lo, index + 1); i < hi && page.length <= limit; i++) {
      const e = log.eventAt(i)!
      if (matches(e)) page.push(e)
    }
    hasMore = page.length > limit
    page.length = Math.min(page.length, limit)
    page.reverse()
  } else {
    if (after !== undefined) {
      const index = retainedIndex(log, now, after)
      if (index === undefined) return notFound(after, "starting_after")
      hi = Math.min(hi, index)
    }
    for (let i = hi - 1; i >= lo && page.length <= limit; i--) {
      const e = log.eventAt(i)!
      if (matches(e)) page.push(e)
    }
    hasMore = page.length > limit
    if (hasMore) page.pop()
  }
  return json(
    200,
    { object: "list", data: page.flatMap((e) => eventObject(e) ?? []), has_more: hasMore, url: "/v1/events" },
    { pretty: true }
  )
}

/** `GET /v1/events/:id`. */
export const retrieve = (log: EventLog, now: number, id: string, values: Params.Values): HttpServerResponse.HttpServerResponse => {
  const expanded = refuseExpand(Params.strings(values, "expand"))
  if (expanded !== undefined) return expanded
  const index = retainedIndex(log, now, id)
  const record = index === undefined ? undefined : log.eventAt(index)
  const object = record === undefined ? undefined : eventObject(record)
  return object === undefined ? notFound(id, "id") : json(200, object, { pretty: true })
}
