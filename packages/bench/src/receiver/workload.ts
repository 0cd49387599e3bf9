/**
 * The receiver benchmark's workload: signed Stripe webhook deliveries spread over many refunds, with
 * the status each refund must end in.
 *
 * Every refund gets four events, as Stripe sends them (pretty-printed JSON, `Stripe-Signature`
 * `t=…,v1=hex(HMAC-SHA256(secret, t + "." + body))`), following one of four stories:
 *
 * | story     | events (processor time order)                                                         | final       |
 * |-----------|---------------------------------------------------------------------------------------|-------------|
 * | succeeded | refund.created pending, updated requires_action, updated pending, updated succeeded   | Succeeded   |
 * | failed    | refund.created pending, updated pending (metadata), refund.failed, updated failed     | Failed      |
 * | reversed  | refund.created pending, updated succeeded, refund.failed, updated failed (prev: succeeded) | Reversed |
 * | canceled  | refund.created requires_action, updated (metadata), updated canceled, charge.refund.updated canceled | Cancelled |
 *
 * The final statuses follow from the state machine's documented rules (core `RefundStateMachine`):
 * the latest evidence of each kind decides, settled beats in flight, success and failure together
 * are a reversal (Stripe also says so with `previous_attributes.status: "succeeded"`). They hold in
 * every arrival order, which is why the deliveries are sent out of order: a quarter of the refunds
 * have their four events shuffled, and all deliveries of nearby refunds are interleaved, so events
 * of one refund are often in flight at the same time (the store must serialize them).
 */
import { createHmac } from "node:crypto"

export type Story = "succeeded" | "failed" | "reversed" | "canceled"

export const stories: ReadonlyArray<Story> = ["succeeded", "failed", "reversed", "canceled"]

/** The status (core `RefundStatus`) a refund of each story must end in. */
export const finalStatus: Readonly<Record<Story, string>> = {
  succeeded: "Succeeded",
  failed: "Failed",
  reversed: "Reversed",
  canceled: "Cancelled"
}

export interface Delivery {
  readonly refundId: string
  readonly eventId: string
  readonly eventType: string
  /** The body exactly as signed. */
  readonly body: Buffer
}

export interface Expected {
  readonly refundId: string
  readonly status: string
  /** The event ids the store's history must hold for it, each exactly once. */
  readonly eventIds: ReadonlyArray<string>
}

export interface Workload {
  /** In sending order. */
  readonly deliveries: ReadonlyArray<Delivery>
  readonly expected: ReadonlyArray<Expected>
}

/** A small seeded generator (mulberry32), so every run sends the same order. */
export const random = (seed: number) => {
  let a = seed >>> 0
  return (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Step {
  readonly type: string
  readonly status: string
  readonly previous?: Record<string, unknown> | undefined
  readonly metadata?: Record<string, string> | undefined
}

const storySteps = (story: Story): ReadonlyArray<Step> => {
  switch (story) {
    case "succeeded":
      return [
        { type: "refund.created", status: "pending" },
        { type: "refund.updated", status: "requires_action", previous: { status: "pending" } },
        { type: "refund.updated", status: "pending", previous: { status: "requires_action" } },
        { type: "refund.updated", status: "succeeded", previous: { status: "pending" } }
      ]
    case "failed":
      return [
        { type: "refund.created", status: "pending" },
        { type: "refund.updated", status: "pending", previous: { metadata: { note: null } }, metadata: { note: "customer called" } },
        { type: "refund.failed", status: "failed" },
        { type: "refund.updated", status: "failed", previous: { status: "pending" } }
      ]
    case "reversed":
      return [
        { type: "refund.created", status: "pending" },
        { type: "refund.updated", status: "succeeded", previous: { status: "pending" } },
        { type: "refund.failed", status: "failed" },
        { type: "refund.updated", status: "failed", previous: { status: "succeeded" } }
      ]
    case "canceled":
      return [
        { type: "refund.created", status: "requires_action" },
        { type: "refund.updated", status: "requires_action", previous: { metadata: { note: null } }, metadata: { note: "awaiting bank details" } },
        { type: "refund.updated", status: "canceled", previous: { status: "requires_action" } },
        { type: "charge.refund.updated", status: "canceled" }
      ]
  }
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0")

/** A Stripe refund object, with the fields Stripe sends (cf. testkit's Stripe emulator `refundObject`). */
const refundObject = (
  r: { readonly id: string; readonly index: number; readonly amount: number; readonly created: number },
  step: Step
): Record<string, unknown> => ({
  id: r.id,
  object: "refund",
  amount: r.amount,
  balance_transaction: `txn_3Bench${hex(r.index, 18)}`,
  charge: `ch_3Bench${hex(r.index, 19)}`,
  created: r.created,
  currency: "usd",
  customer: null,
  customer_account: null,
  destination_details: {
    card: {
      reference: step.status === "succeeded" ? `74${hex(r.index, 21)}` : null,
      reference_status: step.status === "succeeded" ? "available" : step.status === "pending" ? "pending" : "unavailable",
      reference_type: "acquirer_reference_number",
      type: "refund"
    },
    type: "card"
  },
  ...(step.status === "failed" ? { failure_balance_transaction: `txn_3BenchF${hex(r.index, 17)}`, failure_reason: "expired_or_canceled_card" } : {}),
  metadata: { merchant_refund_id: `mr_bench_${r.index}`, order: `ord_${r.index}`, ...step.metadata },
  ...(step.status === "requires_action"
    ? {
      next_action: {
        display_details: {
          email_sent: { email_sent_at: r.created, email_sent_to: "customer@example.com" },
          expires_at: r.created + 30 * 24 * 3600
        },
        type: "display_details"
      }
    }
    : {}),
  payment_intent: `pi_3Bench${hex(r.index, 19)}`,
  payment_method: `pm_1Bench${hex(r.index, 19)}`,
  ...(step.status === "pending" ? { pending_reason: "processing" } : {}),
  reason: "requested_by_customer",
  receipt_number: null,
  source_transfer_reversal: null,
  status: step.status,
  transfer_reversal: null
})

export interface WorkloadOptions {
  /** Number of deliveries; refunds = ceil(deliveries / 4) (the last refund may get fewer events). */
  readonly deliveries: number
  /** Prefix of refund and event ids (distinct per phase, so warm-up refunds never mix with measured ones). */
  readonly prefix: string
  readonly seed?: number | undefined
  /** Share of refunds whose events are sent in a shuffled order. Default 0.25. */
  readonly shuffled?: number | undefined
  /** How far (in refunds) a refund's events may spread in the sending order. Default 48. */
  readonly spread?: number | undefined
}

/** Unsigned deliveries (bodies are fixed; signatures are added right before sending, see {@link sign}). */
export const make = (options: WorkloadOptions): Workload => {
  const rnd = random(options.seed ?? 1)
  const shuffledShare = options.shuffled ?? 0.25
  const spread = options.spread ?? 48
  const refunds = Math.ceil(options.deliveries / 4)
  // Processor times: an hour ago, one refund per second, its events a few seconds apart.
  const base = Math.floor(Date.now() / 1000) - 3600 - refunds * 4
  const keyed: Array<{ readonly key: number; readonly delivery: Delivery }> = []
  const expected: Array<Expected> = []
  let remaining = options.deliveries
  for (let i = 0; i < refunds; i++) {
    const story = stories[i % stories.length]!
    const id = `re_${options.prefix}${hex(i, 8)}`
    const created = base + i * 4
    const r = { id, index: i, amount: 500 + (i % 97) * 25, created }
    const steps = storySteps(story).slice(0, Math.min(4, remaining))
    remaining -= steps.length
    // Sending keys: ascending for most refunds, random for the shuffled ones.
    const keys = steps.map(() => i + rnd() * spread)
    if (rnd() >= shuffledShare) keys.sort((a, b) => a - b)
    const eventIds: Array<string> = []
    steps.forEach((step, n) => {
      // A refund.failed and the refund.updated that accompanies it share their second, as at Stripe.
      const at = created + Math.min(n, story === "succeeded" ? n : 2)
      const eventId = `evt_${options.prefix}${hex(i, 8)}${n}`
      eventIds.push(eventId)
      const previous = step.previous === undefined ? {} : { previous_attributes: step.previous }
      const event = {
        id: eventId,
        object: "event",
        api_version: "2025-08-27.basil",
        created: at,
        data: { object: refundObject(r, step), ...previous },
        livemode: false,
        pending_webhooks: 1,
        request: { id: n === 0 ? `req_${hex(i, 14)}` : null, idempotency_key: n === 0 ? `bench-${id}` : null },
        type: step.type
      }
      keyed.push({ key: keys[n]!, delivery: { refundId: id, eventId, eventType: step.type, body: Buffer.from(JSON.stringify(event, null, 2)) } })
    })
    expected.push({ refundId: id, status: expectedStatus(story, steps.length), eventIds })
  }
  keyed.sort((a, b) => a.key - b.key)
  return { deliveries: keyed.map((k) => k.delivery), expected }
}

/** The final status of a story cut short after `events` events (only the last refund of an odd count). */
const expectedStatus = (story: Story, events: number): string => {
  if (events === 4) return finalStatus[story]
  const steps = storySteps(story).slice(0, events)
  const statuses = new Set(steps.map((s) => s.status))
  if (statuses.has("succeeded") && statuses.has("failed")) return "Reversed"
  if (statuses.has("succeeded")) return "Succeeded"
  if (statuses.has("failed")) return "Failed"
  if (statuses.has("canceled")) return "Cancelled"
  // In flight: the latest in-flight event (they are one second apart).
  return steps.at(-1)!.status === "requires_action" ? "RequiresAction" : "Pending"
}

/** `Stripe-Signature` for a body at unix time `t`. */
export const signatureHeader = (secret: string, t: number, body: Buffer): string =>
  `t=${t},v1=${createHmac("sha256", secret).update(`${t}.`).update(body).digest("hex")}`

/** Signs every delivery now (Stripe's tolerance is 300 s, so sign right before each run). */
export const sign = (deliveries: ReadonlyArray<Delivery>, secret: string): ReadonlyArray<string> => {
  const t = Math.floor(Date.now() / 1000)
  return deliveries.map((d) => signatureHeader(secret, t, d.body))
}
