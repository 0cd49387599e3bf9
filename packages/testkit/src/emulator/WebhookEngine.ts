/**
 * The webhook delivery engine: every state change becomes events in an event log, and events are delivered
 * the way processors deliver them, on the emulator clock:
 *
 * - an unacknowledged delivery (a status the processor does not accept, a transport error, a timeout) is
 *   retried on the processor's {@link RetrySchedule} until acknowledged or given up;
 * - optional, seeded adversity: random delays (out of order), several POSTs in flight at once, duplicates,
 *   and spontaneous redelivery of events already acknowledged;
 * - optional batching: several events in one POST when the processor does that (Adyen `notificationItems`).
 *
 * Every random choice is a hash of (seed, delivery number), never a shared stream, so the same seed and the
 * same events give the same schedule whatever order concurrent POSTs finish in.
 *
 * @since 0.1.0
 */
import type { EmulatorClock, TimerHandle } from "./Clock.ts"
import type { AttemptKind, WebhookDelivery, WebhookEventRecord, WebhookOptions } from "./Emulator.ts"
import * as Random from "./Random.ts"
import { redactHeaders } from "./RequestLog.ts"
import type { RetrySchedule } from "./RetrySchedule.ts"
import { check as checkSchedule, millis, nextRetryAt } from "./RetrySchedule.ts"
import type { WebhookMessage } from "./Webhooks.ts"

/** How a processor batches events into one POST. */
export interface Batching {
  /** How long a batch collects events after its first one (emulator ms). */
  readonly windowMillis: number
  /** The most events in one POST. */
  readonly maxEvents: number
  /** Events with the same key may share a POST (Adyen: the merchant account). */
  readonly key: (message: WebhookMessage) => string
  /** The POST carrying several events (the format decides how they combine). */
  readonly combine: (messages: ReadonlyArray<WebhookMessage>) => { readonly headers: Readonly<Record<string, string>>; readonly body: string }
}

/** What the engine needs from a processor's webhook format. */
export interface DeliveryFormat {
  /** Whether the receiver acknowledged (status and body), the processor's way. */
  readonly isAccepted: (status: number, body: string) => boolean
  /** Headers for one attempt of a frozen message (a fresh signature timestamp, a new transmission id...). */
  readonly resign?: ((message: { readonly headers: Readonly<Record<string, string>>; readonly body: string }, attempt: {
    readonly now: number
    readonly url: string
  }) => Readonly<Record<string, string>>) | undefined
  /** The processor's own event id in a message (Stripe `evt_…`), when it has one. */
  readonly eventId?: ((message: WebhookMessage) => string | undefined) | undefined
  readonly batching?: Batching | undefined
}

/** {@link WebhookOptions} with every default filled in. */
export interface DeliveryPolicy {
  readonly seed: Random.Seed
  readonly concurrency: number
  readonly maxDelayMillis: number
  readonly delayStepMillis: number
  readonly shuffle: boolean
  readonly duplicateRate: number
  readonly redeliveryRate: number
  readonly redeliveryWithinMillis: number
  readonly retrySchedule: RetrySchedule
  /** Real milliseconds before an unanswered POST counts as failed. */
  readonly timeoutMillis: number
}

/** Fills in the defaults of `mode` (benign: in order, once; adversarial: out of order, concurrent, duplicated). */
export const resolvePolicy = (
  options: WebhookOptions | undefined,
  processorSchedule: RetrySchedule,
  timeoutMillis: number | undefined
): DeliveryPolicy => {
  const o = options ?? {}
  const adversarial = o.mode === "adversarial"
  if (o.mode !== undefined && o.mode !== "benign" && o.mode !== "adversarial") {
    throw new RangeError(`webhooks.mode must be "benign" or "adversarial", got ${String(o.mode)}`)
  }
  Random.checkRate("webhooks.duplicateRate", o.duplicateRate)
  Random.checkRate("webhooks.redeliveryRate", o.redeliveryRate)
  const policy: DeliveryPolicy = {
    seed: o.seed ?? Random.freshSeed(),
    concurrency: o.concurrency ?? (adversarial ? 4 : 1),
    maxDelayMillis: o.maxDelayMillis ?? (adversarial ? 3 * millis.second : 0),
    delayStepMillis: o.delayStepMillis ?? millis.second,
    shuffle: o.shuffle ?? adversarial,
    duplicateRate: o.duplicateRate ?? (adversarial ? 0.25 : 0),
    redeliveryRate: o.redeliveryRate ?? (adversarial ? 0.1 : 0),
    redeliveryWithinMillis: o.redeliveryWithinMillis ?? millis.hour,
    retrySchedule: checkSchedule(o.retrySchedule ?? processorSchedule),
    timeoutMillis: timeoutMillis ?? 5_000
  }
  if (!Number.isInteger(policy.concurrency) || policy.concurrency < 1) throw new RangeError("webhooks.concurrency must be a positive integer")
  if (!(policy.maxDelayMillis >= 0) || !(policy.delayStepMillis > 0) || !(policy.redeliveryWithinMillis >= 0)) {
    throw new RangeError("webhook delays must be non-negative (and delayStepMillis positive)")
  }
  if (!(policy.timeoutMillis > 0)) throw new RangeError("webhookTimeoutMillis must be positive")
  return policy
}

// ---------------------------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------------------------

interface EventState {
  readonly id: string
  readonly message: WebhookMessage
  readonly createdAt: number
  acknowledgedAt: number | undefined
  gaveUp: boolean
  readonly attempts: Array<MutableDelivery>
  unit: Unit | undefined
}

/** One delivery: the POST carrying one event (or a batch), with its retries. */
interface Unit {
  readonly id: number
  readonly events: Array<EventState>
  readonly createdAt: number
  /** A batch still collecting events. */
  open: boolean
  batchKey: string | undefined
  /** Frozen at the first attempt, so every retry carries the same body. */
  frozen: { readonly headers: Readonly<Record<string, string>>; readonly body: string } | undefined
  attempts: number
  retries: number
  acked: boolean
  /** A spontaneous redelivery after acknowledgement, decided when the unit was created. */
  redeliverAfter: number | undefined
}

interface Scheduled {
  readonly seq: number
  readonly unit: Unit
  readonly kind: AttemptKind
  readonly dueAt: number
}

interface MutableDelivery {
  seq: number
  url: string
  eventType: string
  refundId: string
  events: ReadonlyArray<{ readonly id: string; readonly type: string; readonly refundId: string }>
  kind: AttemptKind
  attempt: number
  headers: Record<string, string>
  body: string
  time: number
  finished: boolean
  status?: number
  responseBody?: string
  accepted: boolean
  error?: string
}

interface Ready {
  readonly scheduled: Scheduled
  readonly done: () => void
}

const snapshotDelivery = (d: MutableDelivery): WebhookDelivery => ({ ...d, headers: { ...d.headers }, events: [...d.events] })

// ---------------------------------------------------------------------------------------------------------------
// Engine
// ---------------------------------------------------------------------------------------------------------------

/** Event log and delivery of one emulator's webhooks. */
export class WebhookEngine {
  /** Where deliveries go; none are made while undefined. */
  url: string | undefined
  readonly policy: DeliveryPolicy
  private readonly clock: EmulatorClock
  private readonly format: DeliveryFormat
  private eventList: Array<EventState> = []
  /** Event id → index of its newest occurrence. */
  private readonly eventIds = new Map<string, number>()
  private deliveryList: Array<MutableDelivery> = []
  private scheduled: Array<Scheduled> = []
  private readonly timers = new Map<number, TimerHandle>()
  private ready: Array<Ready> = []
  private inflight = new Set<Promise<void>>()
  private readonly controllers = new Set<AbortController>()
  private eventSeq = 0
  private unitSeq = 0
  private scheduledSeq = 0
  private deliverySeq = 0
  /** Bumped by `clear`, so attempts that outlive a reset change nothing. */
  private generation = 0
  private closed = false

  constructor(options: {
    readonly clock: EmulatorClock
    readonly format: DeliveryFormat
    readonly policy: DeliveryPolicy
    readonly url: string | undefined
  }) {
    this.clock = options.clock
    this.format = options.format
    this.policy = options.policy
    this.url = options.url
  }

  /** Logs the events of one state change and schedules their delivery (when a URL is set). */
  publish(messages: ReadonlyArray<WebhookMessage>): void {
    if (this.closed) return
    const now = this.clock.now()
    for (const message of messages) {
      const seq = ++this.eventSeq
      const event: EventState = {
        id: this.format.eventId?.(message) ?? `evt_emulator_${seq}`,
        message,
        createdAt: now,
        acknowledgedAt: undefined,
        gaveUp: false,
        attempts: [],
        unit: undefined
      }
      this.eventList.push(event)
      this.eventIds.set(event.id, this.eventList.length - 1)
      if (this.url !== undefined) this.enqueue(event, now)
    }
  }

  /** Resolves when nothing is in flight and nothing is due at or before the current clock time. */
  async flush(): Promise<void> {
    for (let round = 0; round < 1_000; round++) {
      await this.clock.runDue()
      const now = this.clock.now()
      if (this.inflight.size === 0 && this.ready.length === 0 && !this.scheduled.some((s) => s.dueAt <= now)) return
      if (this.inflight.size > 0) await Promise.all(this.inflight)
    }
  }

  deliveries(): ReadonlyArray<WebhookDelivery> {
    return this.deliveryList.map(snapshotDelivery)
  }

  /** The event log, oldest first (processors may serve it, e.g. Stripe's `GET /v1/events`). */
  events(): ReadonlyArray<WebhookEventRecord> {
    return this.eventList.map((event) => this.eventRecord(event))
  }

  /** How many events the log holds (they are in creation order, so `createdAt` never decreases). */
  eventCount(): number {
    return this.eventList.length
  }

  /** The event at `index` (0 = oldest) as {@link events} shows it, without snapshotting the whole log. */
  eventAt(index: number): WebhookEventRecord | undefined {
    const event = this.eventList[index]
    return event === undefined ? undefined : this.eventRecord(event)
  }

  /** When the event at `index` was created (epoch ms). */
  eventCreatedAt(index: number): number | undefined {
    return this.eventList[index]?.createdAt
  }

  /** The index of the newest event with this id, if any. */
  eventIndex(id: string): number | undefined {
    return this.eventIds.get(id)
  }

  private eventRecord(event: EventState): WebhookEventRecord {
    {
      const next = this.scheduled.filter((s) => s.unit === event.unit).reduce<number | undefined>(
        (min, s) => (min === undefined || s.dueAt < min ? s.dueAt : min),
        undefined
      )
      return {
        id: event.id,
        type: event.message.eventType,
        refundId: event.message.refundId,
        createdAt: event.createdAt,
        payload: event.message.body,
        acknowledged: event.acknowledgedAt !== undefined,
        ...(event.acknowledgedAt === undefined ? {} : { acknowledgedAt: event.acknowledgedAt }),
        ...(next === undefined ? {} : { nextAttemptAt: next }),
        gaveUp: event.gaveUp,
        delivered: event.attempts.length > 0,
        attempts: event.attempts.map(snapshotDelivery)
      }
    }
  }

  /** Forgets every event, delivery and pending attempt (in-flight POSTs finish but change nothing). */
  clear(): void {
    this.generation++
    this.cancelTimers()
    for (const r of this.ready) r.done()
    this.ready = []
    this.eventList = []
    this.eventIds.clear()
    this.deliveryList = []
    this.eventSeq = 0
    this.unitSeq = 0
    this.scheduledSeq = 0
    this.deliverySeq = 0
  }

  /** Aborts in-flight POSTs and drops everything pending. */
  close(): void {
    this.closed = true
    this.clear()
    for (const controller of this.controllers) controller.abort()
  }

  // -------------------------------------------------------------------------------------------------------------

  private enqueue(event: EventState, now: number): void {
    const batching = this.format.batching
    if (batching !== undefined) {
      const key = batching.key(event.message)
      const open = this.scheduled.find((s) => s.unit.open && s.unit.batchKey === key && s.unit.events.length < batching.maxEvents)
      if (open !== undefined) {
        open.unit.events.push(event)
        event.unit = open.unit
        return
      }
      const unit = this.newUnit([event], now)
      unit.open = true
      unit.batchKey = key
      this.planFirst(unit, now + batching.windowMillis)
      return
    }
    this.planFirst(this.newUnit([event], now), now)
  }

  private newUnit(events: Array<EventState>, now: number): Unit {
    const unit: Unit = {
      id: ++this.unitSeq,
      events,
      createdAt: now,
      open: false,
      batchKey: undefined,
      frozen: undefined,
      attempts: 0,
      retries: 0,
      acked: false,
      redeliverAfter: undefined
    }
    for (const event of events) event.unit = unit
    return unit
  }

  /** The first attempt (after a seeded random delay), and the duplicate / redelivery the seed decides on. */
  private planFirst(unit: Unit, earliest: number): void {
    const p = this.policy
    // 1..n whole steps: never at the instant of the change itself, so a test on a manual clock decides when
    // delayed deliveries go (and which ones share an instant) by moving time, whatever its HTTP timing.
    const steps = Math.floor(p.maxDelayMillis / p.delayStepMillis)
    const delay = steps === 0 ? 0 : (1 + Random.below(steps, p.seed, "delay", unit.id)) * p.delayStepMillis
    const dueAt = earliest + delay
    this.schedule(unit, "first", dueAt)
    if (Random.chance(p.duplicateRate, p.seed, "duplicate", unit.id)) this.schedule(unit, "duplicate", dueAt)
    if (Random.chance(p.redeliveryRate, p.seed, "redeliver", unit.id)) {
      unit.redeliverAfter = Math.floor(Random.unit(p.seed, "redeliver-after", unit.id) * p.redeliveryWithinMillis)
    }
  }

  private schedule(unit: Unit, kind: AttemptKind, dueAt: number): void {
    this.scheduled.push({ seq: ++this.scheduledSeq, unit, kind, dueAt })
    if (!this.timers.has(dueAt)) this.timers.set(dueAt, this.clock.schedule(dueAt, () => this.fire(dueAt)))
  }

  /**
   * Everything due at this instant goes to the ready queue (in event order, or in a seeded shuffle), then
   * out as concurrency allows. The returned Promise is these attempts' work, which `advance` waits for.
   */
  private fire(instant: number): Promise<void> {
    this.timers.delete(instant)
    const due = this.scheduled.filter((s) => s.dueAt <= instant)
    if (due.length === 0) return Promise.resolve()
    this.scheduled = this.scheduled.filter((s) => s.dueAt > instant)
    const seed = this.policy.seed
    const ordered = this.policy.shuffle
      ? due.toSorted((a, b) => Random.unit(seed, "order", a.seq) - Random.unit(seed, "order", b.seq))
      : due.toSorted((a, b) => a.seq - b.seq)
    const done = ordered.map((scheduled) =>
      new Promise<void>((resolve) => {
        this.ready.push({ scheduled, done: resolve })
      })
    )
    this.pump()
    return Promise.all(done).then(() => undefined)
  }

  private pump(): void {
    while (this.inflight.size < this.policy.concurrency && this.ready.length > 0) {
      const next = this.ready.shift()!
      const attempt = this.attempt(next.scheduled).finally(() => {
        this.inflight.delete(attempt)
        next.done()
        this.pump()
      })
      this.inflight.add(attempt)
    }
  }

  private async attempt(scheduled: Scheduled): Promise<void> {
    const { unit, kind } = scheduled
    const url = this.url
    // Retries stop once acknowledged (by a duplicate, say) and when the endpoint went away.
    if (this.closed || url === undefined || (kind === "retry" && unit.acked)) return
    const generation = this.generation
    if (unit.frozen === undefined) {
      unit.open = false
      const messages = unit.events.map((e) => e.message)
      unit.frozen = messages.length === 1 || this.format.batching === undefined
        ? { headers: messages[0]!.headers, body: messages[0]!.body }
        : this.format.batching.combine(messages)
    }
    const now = this.clock.now()
    const headers = { ...unit.frozen.headers, ...this.format.resign?.(unit.frozen, { now, url }) }
    const first = unit.events[0]!.message
    const delivery: MutableDelivery = {
      seq: ++this.deliverySeq,
      url,
      eventType: first.eventType,
      refundId: first.refundId,
      events: unit.events.map((e) => ({ id: e.id, type: e.message.eventType, refundId: e.message.refundId })),
      kind,
      attempt: ++unit.attempts,
      // The record keeps no secrets (a receiver's Basic credentials, say); the POST carries them.
      headers: redactHeaders(headers),
      body: unit.frozen.body,
      time: now,
      finished: false,
      accepted: false
    }
    this.deliveryList.push(delivery)
    for (const event of unit.events) event.attempts.push(delivery)
    await this.post(url, headers, delivery)
    delivery.finished = true
    if (this.closed || generation !== this.generation) return
    const at = this.clock.now()
    if (delivery.accepted) {
      if (!unit.acked) {
        unit.acked = true
        for (const event of unit.events) event.acknowledgedAt ??= at
        if (unit.redeliverAfter !== undefined) this.schedule(unit, "redelivery", at + unit.redeliverAfter)
      }
      return
    }
    // Only the processor's own attempts are retried; an extra copy that fails is just lost.
    if ((kind === "first" || kind === "retry") && !unit.acked) {
      const next = nextRetryAt(this.policy.retrySchedule, unit.retries, at, unit.createdAt)
      if (next === undefined) {
        for (const event of unit.events) event.gaveUp = true
      } else {
        unit.retries++
        this.schedule(unit, "retry", next)
      }
    }
  }

  private async post(url: string, headers: Readonly<Record<string, string>>, delivery: MutableDelivery): Promise<void> {
    const controller = new AbortController()
    this.controllers.add(controller)
    // Real time: a manual clock does not move while a POST is in flight.
    const timer = setTimeout(() => controller.abort(), this.policy.timeoutMillis)
    try {
      const response = await fetch(url, { method: "POST", headers, body: delivery.body, signal: controller.signal })
      const text = await response.text()
      delivery.status = response.status
      delivery.responseBody = text
      delivery.accepted = this.format.isAccepted(response.status, text)
    } catch (error) {
      delivery.error = controller.signal.aborted
        ? `TimeoutError: no answer within ${this.policy.timeoutMillis} ms`
        : error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    } finally {
      clearTimeout(timer)
      this.controllers.delete(controller)
    }
  }

  private cancelTimers(): void {
    for (const timer of this.timers.values()) timer.cancel()
    this.timers.clear()
    this.scheduled = []
  }
}
