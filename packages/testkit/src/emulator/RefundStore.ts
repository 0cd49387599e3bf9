/**
 * The in-memory payment and refund state every emulator shares, with the settling rules: a refund starts at
 * the processor's initial status and walks a per-outcome path of steps. Each step is taken when its delay
 * has passed on the emulator clock (counted from the previous status change), or at once with
 * {@link RefundStore.advance}. Reading a refund never moves it: real processors settle on their own time.
 *
 * @since 0.1.0
 */
import type { EmulatorClock, TimerHandle } from "./Clock.ts"
import type { EmulatedRefund, Outcome, RefundHistoryEntry, TransitionCause } from "./Emulator.ts"

/**
 * Which delay a step waits for: `"settle"` (the processor working the refund, seconds) or `"reversal"`
 * (a later reversal or scheme rejection, days), both overridable per emulator; or explicit milliseconds.
 */
export type StepDelay = "settle" | "reversal" | number

/** One status on a refund's path, optionally with the failure reason it carries. */
export interface Step {
  readonly status: string
  readonly reason?: string
  /** How long after the previous status this step is taken. Default `"settle"`. */
  readonly after?: StepDelay
}

/** The delays behind `"settle"` and `"reversal"` steps, in emulator milliseconds (`Infinity` = never by time). */
export interface Timing {
  readonly settleAfterMillis: number
  readonly reversalAfterMillis: number
}

/** Validates a {@link Timing} (negative or NaN delays are nonsense). */
export const checkTiming = (timing: Timing): Timing => {
  for (const [name, value] of Object.entries(timing)) {
    if (Number.isNaN(value) || value < 0) throw new RangeError(`${name} must be a non-negative number of milliseconds, got ${value}`)
  }
  return timing
}

/** How a processor's refunds move. */
export interface Lifecycle {
  /** Status of a freshly created refund (Stripe `pending`, Adyen `received`). */
  readonly initialStatus: string
  /** The statuses a refund walks through after the initial one, for an outcome. `reason` is the scripted reason. */
  readonly steps: (outcome: Outcome, reason: string | undefined) => ReadonlyArray<Step>
  /** Whether a refund in this status still uses up the payment's refundable amount. */
  readonly holdsFunds: (status: string) => boolean
  /** The statuses that mean "the refund succeeded" (for the truth API's `everSucceeded`). */
  readonly successStatuses: ReadonlyArray<string>
}

/** A captured payment that refunds draw on. */
export interface PaymentRecord {
  readonly id: string
  /** Other ids that resolve to this payment (Stripe: the `ch_` of a `pi_`). */
  readonly aliases: ReadonlyArray<string>
  readonly amount: number
  readonly currency: string
  readonly reference: string | undefined
  readonly createdAt: number
  outcome: Outcome
  outcomeReason: string | undefined
}

/** A refund with processor-specific attributes `A` (Stripe `reason`/`metadata`, Adyen `merchantAccount`, ...). */
export interface RefundRecord<A> {
  readonly id: string
  readonly paymentId: string
  readonly amount: number
  readonly currency: string
  status: string
  failureReason: string | undefined
  readonly idempotencyKey: string | undefined
  readonly createdAt: number
  /** Creation order within the store (ties of `createdAt` list newest-created first). */
  readonly seq: number
  readonly history: Array<RefundHistoryEntry>
  outcome: Outcome
  /** The path after the initial status. Recomputed from the payment's scripted outcome until the first move. */
  steps: ReadonlyArray<Step>
  /** Index into `steps` of the next step. */
  position: number
  /** True once the path can no longer change (first move, forced path, or an out-of-path transition). */
  locked: boolean
  /** Whether the refund uses up refundable amount at all (false for refunds doomed from the start). */
  readonly reservesFunds: boolean
  readonly reference: string | undefined
  metadata: Record<string, string>
  attributes: A
}

/** A status change (`from` is undefined for the creation pseudo-transition). */
export interface Transition<A> {
  readonly refund: RefundRecord<A>
  readonly from: string | undefined
  readonly to: string
  readonly cause: TransitionCause
}

/** Input of {@link RefundStore.createRefund}. */
export interface CreateRefundInput<A> {
  readonly id: string
  readonly payment: PaymentRecord
  readonly amount: number
  readonly currency: string
  readonly idempotencyKey?: string | undefined
  readonly reference?: string | undefined
  readonly metadata?: Record<string, string> | undefined
  readonly attributes: A
  /** A fixed path overriding the scripted outcome (e.g. Adyen rejecting an over-refund asynchronously). */
  readonly forcedSteps?: ReadonlyArray<Step> | undefined
  /** Default true. False for refunds that are accepted but doomed (they never use up refundable amount). */
  readonly reservesFunds?: boolean | undefined
}

/** Input of {@link RefundStore.insertSettled}: a refund that already happened (seeding), with no path left to walk. */
export interface SettledRefundInput<A> {
  readonly id: string
  /** An existing payment, or the id of an implicit one (see {@link ImplicitPayments}). */
  readonly payment: PaymentRecord | { readonly implicit: string }
  readonly amount: number
  readonly currency: string
  readonly status: string
  readonly outcome: Outcome
  /** Epoch milliseconds; at or before the clock. */
  readonly createdAt: number
  /** When it reached `status` (epoch ms, default `createdAt`): its one history entry. */
  readonly updatedAt?: number | undefined
  readonly failureReason?: string | undefined
  readonly reference?: string | undefined
  readonly metadata?: Record<string, string> | undefined
  readonly attributes: A
}

/**
 * Payments of seeded refunds that exist only once asked for: a million seeded refunds do not need a million
 * payment records up front. A refund inserted with `payment: { implicit: id }` owns payment `id`; the record
 * (amount = the refund's, its currency and `createdAt`) is made the first time `payment()` resolves it.
 */
export interface ImplicitPayments {
  /** The refund owning the implicit payment with this id or alias, if the id is of that form. */
  readonly refundIdFor: (paymentIdOrAlias: string) => string | undefined
  /** The aliases of an implicit payment (Stripe: its `ch_…`). */
  readonly aliasesFor: (paymentId: string) => ReadonlyArray<string>
}

/**
 * A page query over the refunds, newest first: by `createdAt` descending, ties newest-created first (reverse
 * creation order). Bounds are epoch milliseconds. Costs O(log n + scanned): without `where`, O(log n + limit).
 */
export interface ListQuery<A> {
  /** 1.. (the caller validates its processor's bounds). */
  readonly limit: number
  /** Inclusive lower bound of `createdAt`. */
  readonly createdFrom?: number | undefined
  /** Exclusive upper bound of `createdAt`. */
  readonly createdUntil?: number | undefined
  /** Only refunds of this payment (id as stored, not an alias). */
  readonly paymentId?: string | undefined
  /** Refunds older than this refund (its position is its `createdAt` and creation order, whatever the filters). */
  readonly startingAfter?: string | undefined
  /** Refunds newer than this refund: the `limit` closest to it, still returned newest first. */
  readonly endingBefore?: string | undefined
  /** Any further filter (scans: costs the number of refunds it skips). */
  readonly where?: ((refund: RefundRecord<A>) => boolean) | undefined
}

/** A refund as list endpoints see it under the listing lag: its latest status change visible by now. */
export interface ListedRefund<A> {
  readonly refund: RefundRecord<A>
  /** The status as listed (the current one, unless its latest change is still within the lag). */
  readonly status: string
  /** When the refund reached that status (epoch ms). */
  readonly updatedAt: number
}

/** The answer of {@link RefundStore.listPage}. */
export type ListPage<A> =
  | { readonly _tag: "Page"; readonly data: ReadonlyArray<ListedRefund<A>>; readonly hasMore: boolean }
  /** A cursor names no refund at all. */
  | { readonly _tag: "UnknownCursor"; readonly param: "startingAfter" | "endingBefore"; readonly id: string }

/** Whether `a` was created before `b` (by `createdAt`, then creation order). */
const before = <A>(a: RefundRecord<A>, b: RefundRecord<A>): boolean =>
  a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.seq < b.seq)

/** First index in an ascending array whose element is not `before` the probe (by key). */
const lowerBoundBy = <T>(array: ReadonlyArray<T>, isBefore: (item: T) => boolean): number => {
  let lo = 0
  let hi = array.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (isBefore(array[mid]!)) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * Sorts refunds by (`createdAt`, `seq`). They arrive in `seq` order, so a stable sort by `createdAt` is
 * enough; for a million refunds a native sort of numeric keys (relative time, then position, packed into
 * one double when they fit in 53 bits) is several times faster than comparing objects.
 */
const sortByCreation = <A>(refunds: Array<RefundRecord<A>>): Array<RefundRecord<A>> => {
  const n = refunds.length
  if (n < 2) return refunds
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < n; i++) {
    const at = refunds[i]!.createdAt
    if (at < min) min = at
    if (at > max) max = at
  }
  const positions = 2 ** Math.ceil(Math.log2(n + 1))
  const span = max - min + 1
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(span) || span * positions > Number.MAX_SAFE_INTEGER) {
    return refunds.toSorted((a, b) => a.createdAt - b.createdAt || a.seq - b.seq)
  }
  const keys = new Float64Array(n)
  for (let i = 0; i < n; i++) keys[i] = (refunds[i]!.createdAt - min) * positions + i
  keys.sort()
  return Array.from(keys, (key) => refunds[key % positions]!)
}

/** Raised (synchronously) for unknown ids; control API and Promise API turn it into 404 / rejections. */
export class UnknownRefundError extends Error {
  readonly refundId: string
  constructor(refundId: string) {
    super(`No such refund: ${refundId}`)
    this.refundId = refundId
    this.name = "UnknownRefundError"
  }
}

/** Raised (synchronously) for unknown payment ids. */
export class UnknownPaymentError extends Error {
  readonly paymentId: string
  constructor(paymentId: string) {
    super(`No such payment: ${paymentId}`)
    this.paymentId = paymentId
    this.name = "UnknownPaymentError"
  }
}

/** Payments, refunds and the settling engine. Plain synchronous state; safe to call from any handler. */
export class RefundStore<A> {
  private readonly payments = new Map<string, PaymentRecord>()
  private readonly aliases = new Map<string, string>()
  private readonly refundsById = new Map<string, RefundRecord<A>>()
  /** Every refund, ascending by (`createdAt`, `seq`); `pending` holds inserts that would break the order. */
  private sorted: Array<RefundRecord<A>> = []
  private pending: Array<RefundRecord<A>> = []
  /** Refunds per payment id, in creation order. */
  private readonly byPayment = new Map<string, Array<RefundRecord<A>>>()
  private seq = 0
  private implicit: ImplicitPayments | undefined
  private readonly timers = new Map<string, TimerHandle>()
  private readonly listeners = new Set<(transition: Transition<A>) => void>()
  private closed = false

  readonly lifecycle: Lifecycle
  readonly timing: Timing
  readonly clock: EmulatorClock
  private lag = 0

  constructor(lifecycle: Lifecycle, timing: Timing, clock: EmulatorClock, options: { readonly listLagMillis?: number | undefined } = {}) {
    this.lifecycle = lifecycle
    this.timing = checkTiming(timing)
    this.clock = clock
    this.listLagMillis = options.listLagMillis ?? 0
  }

  /**
   * The listing lag (emulator ms, default 0): a refund, and each of its status changes, shows in
   * {@link listPage} / {@link listed} only once the clock has passed its time plus the lag (eventually
   * consistent list endpoints). Reads by id are never lagged.
   */
  get listLagMillis(): number {
    return this.lag
  }

  set listLagMillis(millis: number) {
    if (typeof millis !== "number" || Number.isNaN(millis) || millis < 0 || millis === Infinity) {
      throw new RangeError(`listLagMillis must be a non-negative finite number of milliseconds, got ${millis}`)
    }
    this.lag = millis
  }

  /** Registers a listener for every transition (including creation); returns an unsubscribe function. */
  onTransition(listener: (transition: Transition<A>) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  addPayment(input: {
    readonly id: string
    readonly aliases?: ReadonlyArray<string>
    readonly amount: number
    readonly currency: string
    readonly reference?: string | undefined
    /** Default: the clock's now. */
    readonly createdAt?: number | undefined
  }): PaymentRecord {
    if (!Number.isSafeInteger(input.amount) || input.amount <= 0) {
      throw new RangeError(`amount must be a positive integer (minor units), got ${input.amount}`)
    }
    if (!/^[A-Za-z]{3}$/.test(input.currency)) throw new RangeError(`currency must be a 3-letter code, got ${input.currency}`)
    const payment: PaymentRecord = {
      id: input.id,
      aliases: input.aliases ?? [],
      amount: input.amount,
      currency: input.currency,
      reference: input.reference,
      createdAt: input.createdAt ?? this.clock.now(),
      outcome: "succeeded",
      outcomeReason: undefined
    }
    this.payments.set(payment.id, payment)
    for (const alias of payment.aliases) this.aliases.set(alias, payment.id)
    return payment
  }

  /** Finds a payment by id or alias (making an implicit one's record on first use). */
  payment(idOrAlias: string): PaymentRecord | undefined {
    return this.payments.get(idOrAlias) ?? this.payments.get(this.aliases.get(idOrAlias) ?? "") ?? this.materialize(idOrAlias)
  }

  /** How implicit payments resolve (set by the processor's seeding, once). */
  useImplicitPayments(implicit: ImplicitPayments): void {
    this.implicit = implicit
  }

  /** Payments with a record (implicit payments of seeded refunds appear once resolved). */
  allPayments(): ReadonlyArray<PaymentRecord> {
    return [...this.payments.values()]
  }

  private materialize(idOrAlias: string): PaymentRecord | undefined {
    const refundId = this.implicit?.refundIdFor(idOrAlias)
    const refund = refundId === undefined ? undefined : this.refundsById.get(refundId)
    if (refund === undefined || this.payments.has(refund.paymentId)) return undefined
    const payment = this.addPayment({
      id: refund.paymentId,
      aliases: this.implicit!.aliasesFor(refund.paymentId),
      amount: refund.amount,
      currency: refund.currency,
      createdAt: refund.createdAt
    })
    if (payment.id !== idOrAlias && !payment.aliases.includes(idOrAlias)) return undefined
    this.byPayment.set(payment.id, [refund])
    return payment
  }

  /** Scripts the outcome of refunds on a payment; refunds that have not moved yet follow it too. */
  scriptOutcome(paymentId: string, outcome: Outcome, reason?: string): void {
    const payment = this.payment(paymentId)
    if (payment === undefined) throw new UnknownPaymentError(paymentId)
    payment.outcome = outcome
    payment.outcomeReason = reason
    for (const refund of this.byPayment.get(payment.id) ?? []) {
      if (!refund.locked) {
        this.plan(refund, payment)
        // The new path may have another first delay (or none): re-plan its timer from the creation time.
        this.schedule(refund)
      }
    }
  }

  /** Amount still refundable: captured minus refunds whose status holds funds. */
  refundable(paymentId: string): number {
    const payment = this.payment(paymentId)
    if (payment === undefined) throw new UnknownPaymentError(paymentId)
    let held = 0
    for (const refund of this.byPayment.get(payment.id) ?? []) {
      if (refund.reservesFunds && this.lifecycle.holdsFunds(refund.status)) {
        held += refund.amount
      }
    }
    return payment.amount - held
  }

  createRefund(input: CreateRefundInput<A>): RefundRecord<A> {
    const now = this.clock.now()
    const refund: RefundRecord<A> = {
      id: input.id,
      paymentId: input.payment.id,
      amount: input.amount,
      currency: input.currency,
      status: this.lifecycle.initialStatus,
      failureReason: undefined,
      idempotencyKey: input.idempotencyKey,
      createdAt: now,
      seq: ++this.seq,
      history: [{ status: this.lifecycle.initialStatus, at: now, via: "create" }],
      outcome: input.payment.outcome,
      steps: [],
      position: 0,
      locked: false,
      reservesFunds: input.reservesFunds ?? true,
      reference: input.reference,
      metadata: { ...input.metadata },
      attributes: input.attributes
    }
    if (input.forcedSteps !== undefined) {
      refund.steps = input.forcedSteps
      refund.locked = true
    } else {
      this.plan(refund, input.payment)
    }
    this.index(refund)
    this.emit({ refund, from: undefined, to: refund.status, cause: "create" })
    this.schedule(refund)
    return refund
  }

  /** The refund without side effects. */
  get(id: string): RefundRecord<A> | undefined {
    return this.refundsById.get(id)
  }

  /** Moves the refund one step now. Returns the transition, or undefined at the end of its path. */
  advance(id: string, cause: TransitionCause = "advance"): Transition<A> | undefined {
    const refund = this.refundsById.get(id)
    if (refund === undefined) throw new UnknownRefundError(id)
    return this.move(refund, cause)
  }

  /** An out-of-path status change (e.g. Stripe's cancel endpoint). Ends the scripted path. */
  transitionTo(id: string, status: string, cause: TransitionCause, reason?: string): Transition<A> {
    const refund = this.refundsById.get(id)
    if (refund === undefined) throw new UnknownRefundError(id)
    refund.locked = true
    refund.steps = refund.steps.slice(0, refund.position)
    return this.apply(refund, { status, ...(reason === undefined ? {} : { reason }) }, cause)
  }

  /**
   * Stores a refund that already happened (seeding): in its final `status`, with one history entry
   * (`via: "seed"`), no timer and no transition announced (so no webhook). The caller validated it.
   */
  insertSettled(input: SettledRefundInput<A>): RefundRecord<A> {
    const at = input.updatedAt ?? input.createdAt
    const implicit = "implicit" in input.payment
    const refund: RefundRecord<A> = {
      id: input.id,
      paymentId: "implicit" in input.payment ? input.payment.implicit : input.payment.id,
      amount: input.amount,
      currency: input.currency,
      status: input.status,
      failureReason: input.failureReason,
      idempotencyKey: undefined,
      createdAt: input.createdAt,
      seq: ++this.seq,
      history: [{ status: input.status, at, via: "seed" }],
      outcome: input.outcome,
      steps: [],
      position: 0,
      locked: true,
      reservesFunds: true,
      reference: input.reference,
      metadata: input.metadata ?? {},
      attributes: input.attributes
    }
    this.index(refund, !implicit)
    return refund
  }

  /** Sorts the listing index now (after a bulk insert), so the next list request does not pay for it. */
  warm(): void {
    this.ordered()
  }

  /** Whether a refund has this id. */
  has(id: string): boolean {
    return this.refundsById.has(id)
  }

  /** How many refunds the store holds. */
  get size(): number {
    return this.refundsById.size
  }

  /** Every refund newest first (by `createdAt`, ties newest-created first), unlagged. O(n): prefer {@link listPage}. */
  list(filter?: (refund: RefundRecord<A>) => boolean): ReadonlyArray<RefundRecord<A>> {
    const all = this.ordered().toReversed()
    return filter === undefined ? all : all.filter(filter)
  }

  /**
   * The refund as list endpoints see it now, under the listing lag: undefined until the clock passes its
   * `createdAt` plus the lag; then with the latest status change that is that old (its first one otherwise).
   */
  listed(refund: RefundRecord<A>): ListedRefund<A> | undefined {
    return this.listedAt(refund, this.clock.now() - this.lag)
  }

  private listedAt(refund: RefundRecord<A>, horizon: number): ListedRefund<A> | undefined {
    if (refund.createdAt > horizon) return undefined
    const history = refund.history
    let entry = history[history.length - 1]
    if (this.lag > 0) {
      for (let i = history.length - 1; i >= 0; i--) {
        entry = history[i]
        if (entry!.at <= horizon) break
      }
    }
    return { refund, status: entry?.status ?? refund.status, updatedAt: entry?.at ?? refund.createdAt }
  }

  /**
   * One page of the refunds newest first (see {@link ListQuery}), each as {@link listed} shows it: refunds
   * still within the listing lag are left out. O(log n + limit) plus what `where` skips.
   */
  listPage(query: ListQuery<A>): ListPage<A> {
    let array: ReadonlyArray<RefundRecord<A>>
    if (query.paymentId === undefined) {
      array = this.ordered()
    } else {
      const own = this.byPayment.get(query.paymentId) ?? []
      array = own.length < 2 ? own : own.toSorted((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0))
    }
    const horizon = this.clock.now() - this.lag
    const from = query.createdFrom
    const until = query.createdUntil
    let lo = from === undefined ? 0 : lowerBoundBy(array, (r) => r.createdAt < from)
    // Refunds created after the horizon are not listed yet (the lag; with none, refunds seeded in the future).
    let hi = lowerBoundBy(array, (r) => r.createdAt <= horizon)
    if (until !== undefined) hi = Math.min(hi, lowerBoundBy(array, (r) => r.createdAt < until))
    const where = query.where
    const limit = Math.max(1, Math.floor(query.limit))
    const out: Array<ListedRefund<A>> = []
    if (query.startingAfter === undefined && query.endingBefore !== undefined) {
      const cursor = this.refundsById.get(query.endingBefore)
      if (cursor === undefined) return { _tag: "UnknownCursor", param: "endingBefore", id: query.endingBefore }
      lo = Math.max(lo, lowerBoundBy(array, (r) => !before(cursor, r)))
      for (let i = lo; i < hi && out.length <= limit; i++) {
        const refund = array[i]!
        if (where !== undefined && !where(refund)) continue
        out.push(this.listedAt(refund, horizon)!)
      }
      const hasMore = out.length > limit
      return { _tag: "Page", data: out.slice(0, limit).toReversed(), hasMore }
    }
    if (query.startingAfter !== undefined) {
      const cursor = this.refundsById.get(query.startingAfter)
      if (cursor === undefined) return { _tag: "UnknownCursor", param: "startingAfter", id: query.startingAfter }
      hi = Math.min(hi, lowerBoundBy(array, (r) => before(r, cursor)))
    }
    for (let i = hi - 1; i >= lo && out.length <= limit; i--) {
      const refund = array[i]!
      if (where !== undefined && !where(refund)) continue
      out.push(this.listedAt(refund, horizon)!)
    }
    const hasMore = out.length > limit
    if (hasMore) out.pop()
    return { _tag: "Page", data: out, hasMore }
  }

  /** When the refund takes its next step by time (epoch milliseconds), if it will. */
  nextStepAt(id: string): number | undefined {
    return this.timers.get(id)?.at
  }

  /** Public snapshot of a refund. */
  snapshot(refund: RefundRecord<A>): EmulatedRefund {
    const next = this.nextStepAt(refund.id)
    return {
      id: refund.id,
      paymentId: refund.paymentId,
      amount: refund.amount,
      currency: refund.currency,
      status: refund.status,
      ...(refund.idempotencyKey === undefined ? {} : { idempotencyKey: refund.idempotencyKey }),
      createdAt: refund.createdAt,
      updatedAt: refund.history[refund.history.length - 1]?.at ?? refund.createdAt,
      history: refund.history.map((entry) => ({ ...entry })),
      everSucceeded: refund.history.some((entry) => this.lifecycle.successStatuses.includes(entry.status)),
      ...(next === undefined ? {} : { nextStepAt: next }),
      outcome: refund.outcome,
      ...(refund.failureReason === undefined ? {} : { failureReason: refund.failureReason }),
      ...(refund.reference === undefined ? {} : { reference: refund.reference }),
      metadata: { ...refund.metadata }
    }
  }

  /** In creation order (oldest first). */
  snapshots(): ReadonlyArray<EmulatedRefund> {
    return [...this.refundsById.values()].map((refund) => this.snapshot(refund))
  }

  reset(): void {
    this.clearTimers()
    this.payments.clear()
    this.aliases.clear()
    this.refundsById.clear()
    this.byPayment.clear()
    this.sorted = []
    this.pending = []
  }

  /** Adds a refund to the indexes. Creates come in clock order, so they append; seeded ones may not. */
  private index(refund: RefundRecord<A>, byPayment = true): void {
    this.refundsById.set(refund.id, refund)
    const own = byPayment ? this.byPayment.get(refund.paymentId) : undefined
    if (own !== undefined) own.push(refund)
    else if (byPayment) this.byPayment.set(refund.paymentId, [refund])
    const last = this.sorted[this.sorted.length - 1]
    if (this.pending.length === 0 && (last === undefined || before(last, refund))) this.sorted.push(refund)
    else this.pending.push(refund)
  }

  /** Every refund ascending by (`createdAt`, `seq`), merging the inserts that came out of order. */
  private ordered(): ReadonlyArray<RefundRecord<A>> {
    if (this.pending.length === 0) return this.sorted
    const extra = sortByCreation(this.pending)
    this.pending = []
    const base = this.sorted
    const merged: Array<RefundRecord<A>> = []
    let i = 0
    let j = 0
    let k = 0
    while (i < base.length && j < extra.length) merged[k++] = before(extra[j]!, base[i]!) ? extra[j++]! : base[i++]!
    while (i < base.length) merged[k++] = base[i++]!
    while (j < extra.length) merged[k++] = extra[j++]!
    this.sorted = merged
    return merged
  }

  close(): void {
    this.closed = true
    this.clearTimers()
  }

  private plan(refund: RefundRecord<A>, payment: PaymentRecord): void {
    refund.outcome = payment.outcome
    refund.steps = this.lifecycle.steps(payment.outcome, payment.outcomeReason)
  }

  private move(refund: RefundRecord<A>, cause: TransitionCause): Transition<A> | undefined {
    const step = refund.steps[refund.position]
    if (step === undefined) return undefined
    refund.position++
    return this.apply(refund, step, cause)
  }

  private apply(refund: RefundRecord<A>, step: Step, cause: TransitionCause): Transition<A> {
    const from = refund.status
    refund.locked = true
    refund.status = step.status
    if (step.reason !== undefined) refund.failureReason = step.reason
    refund.history.push({ status: step.status, at: this.clock.now(), via: cause })
    const transition: Transition<A> = { refund, from, to: step.status, cause }
    this.emit(transition)
    this.schedule(refund)
    return transition
  }

  private emit(transition: Transition<A>): void {
    for (const listener of this.listeners) listener(transition)
  }

  /** The delay of a step in emulator milliseconds. */
  delayOf(step: Step): number {
    const after = step.after ?? "settle"
    return after === "settle" ? this.timing.settleAfterMillis : after === "reversal" ? this.timing.reversalAfterMillis : after
  }

  /** (Re)arms the refund's timer for its next step, counted from its last status change. */
  private schedule(refund: RefundRecord<A>): void {
    this.timers.get(refund.id)?.cancel()
    this.timers.delete(refund.id)
    const step = refund.steps[refund.position]
    if (this.closed || step === undefined) return
    const delay = this.delayOf(step)
    if (!Number.isFinite(delay)) return
    const since = refund.history[refund.history.length - 1]?.at ?? refund.createdAt
    const timer = this.clock.schedule(since + delay, () => {
      if (this.timers.get(refund.id) === timer) this.timers.delete(refund.id)
      if (this.refundsById.get(refund.id) === refund) this.move(refund, "timer")
    })
    this.timers.set(refund.id, timer)
  }

  private clearTimers(): void {
    for (const timer of this.timers.values()) timer.cancel()
    this.timers.clear()
  }
}
