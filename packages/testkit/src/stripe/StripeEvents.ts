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

/** The events still retained at `now`, newest first. */
const retained = (events: ReadonlyArray<WebhookEventRecord>, now: number): Array<WebhookEventRecord> =>
  events.filter((e) => e.createdAt >= now - retentionMillis).toReversed()

/** `GET /v1/events`. */
export const list = (events: ReadonlyArray<WebhookEventRecord>, now: number, values: Params.Values): HttpServerResponse.HttpServerResponse => {
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
  let all = retained(events, now).filter((e) =>
    (matcher === undefined || matcher.test(e.type)) &&
    (types === undefined || types.includes(e.type)) &&
    Params.inRange(createdSeconds(e), created) &&
    (success === undefined || success === !deliveryOutstanding(e))
  )
  const limit = Params.integer(values, "limit") ?? 10
  const after = Params.string(values, "starting_after")
  const before = Params.string(values, "ending_before")
  let page: Array<WebhookEventRecord>
  let hasMore: boolean
  if (before !== undefined && after === undefined) {
    const index = all.findIndex((e) => e.id === before)
    if (index === -1) return notFound(before, "ending_before")
    page = all.slice(Math.max(0, index - limit), index)
    hasMore = index - limit > 0
  } else {
    if (after !== undefined) {
      const index = all.findIndex((e) => e.id === after)
      if (index === -1) return notFound(after, "starting_after")
      all = all.slice(index + 1)
    }
    page = all.slice(0, limit)
    hasMore = all.length > limit
  }
  return json(
    200,
    { object: "list", data: page.flatMap((e) => eventObject(e) ?? []), has_more: hasMore, url: "/v1/events" },
    { pretty: true }
  )
}

/** `GET /v1/events/:id`. */
export const retrieve = (
  events: ReadonlyArray<WebhookEventRecord>,
  now: number,
  id: string,
  values: Params.Values
): HttpServerResponse.HttpServerResponse => {
  const expanded = refuseExpand(Params.strings(values, "expand"))
  if (expanded !== undefined) return expanded
  const record = retained(events, now).find((e) => e.id === id)
  const object = record === undefined ? undefined : eventObject(record)
  return object === undefined ? notFound(id, "id") : json(200, object, { pretty: true })
}
