/**
 * Bulk seeding: refunds that already happened, stored in the status given, fast enough for a million.
 * {@link Emulator.seedRefunds} and the control route `POST /__emulator/refunds/seed` (NDJSON) both run a
 * {@link SeedBatch}: every item is validated first, and only when all are valid is anything stored
 * (all or nothing). Each processor says what its statuses are and how an item becomes its refund
 * ({@link SeedPolicy}).
 *
 * Seeded refunds are settled as given: no timers, no webhooks, one history entry (`via: "seed"`) at
 * `updatedAt` (default `createdAt`). Each gets a payment of its own, or shares one with the other items
 * naming the same `paymentId`; a new payment's amount is the sum of its seeded refunds, so it covers them.
 * Naming an existing payment (one from `createPayment` or an earlier seed) attaches the refunds to it when
 * its refundable amount covers the ones that hold funds.
 *
 * @since 0.1.0
 */
import type { Outcome } from "./Emulator.ts"
import type { ImplicitPayments, PaymentRecord, RefundStore } from "./RefundStore.ts"

/** One refund to seed. Times are epoch milliseconds on the emulator clock and may not lie in its future. */
export interface SeedRefund {
  /** The processor's refund id; default a fresh one. Must be unused. */
  readonly id?: string
  /** Items naming the same payment share it; default a payment of its own. */
  readonly paymentId?: string
  /** Minor units, a positive integer. */
  readonly amount: number
  /** 3-letter code, any case (the processor writes it its way). */
  readonly currency: string
  /** The processor's own raw status (Stripe `succeeded`, Adyen `REFUND`...), one of its seedable statuses. */
  readonly status: string
  readonly createdAt: number
  /** When it reached `status`; default `createdAt`. */
  readonly updatedAt?: number
  /** The processor's merchant reference field, where it has one (processors without one refuse it). */
  readonly reference?: string
  readonly metadata?: Readonly<Record<string, string>>
  /** The processor's failure reason (for a failed status). */
  readonly failureReason?: string
}

/** What a seed stored. */
export interface SeedResult {
  readonly seeded: number
  /** Payments created for the seeded refunds (existing ones reused are not counted). */
  readonly payments: number
}

/** A refused item: `index` is its 0-based position in the batch; nothing was seeded. */
export class SeedError extends RangeError {
  readonly index: number
  readonly reason: string
  constructor(index: number, reason: string) {
    super(`item ${index + 1}: ${reason}`)
    this.index = index
    this.reason = reason
    this.name = "SeedError"
  }
}

/** How a processor seeds: its statuses, ids, and how an item becomes its refund. */
export interface SeedPolicy<A> {
  /** The raw statuses a seeded refund may have. */
  readonly statuses: ReadonlyArray<string>
  /** A fresh refund id (called once per item without `id`). */
  readonly newRefundId: () => string
  /** The payment for a `paymentId` (or a fresh one when undefined): its id, aliases and currency as stored. */
  readonly newPayment: (paymentId: string | undefined, currency: string) => {
    readonly id: string
    readonly aliases?: ReadonlyArray<string>
    readonly currency: string
  }
  /**
   * Payments of items without `paymentId`, made only when first asked for: `paymentIdFor` names the one of a
   * refund id (and `refundIdFor` inverts it, aliases included). Without it, each such item gets a payment
   * record up front (slower, more memory).
   */
  readonly implicitPayments?: ImplicitPayments & { readonly paymentIdFor: (refundId: string) => string }
  /** Processor checks (id formats, metadata limits, reference, failure reasons): a reason to refuse, or undefined. */
  readonly check?: (item: SeedRefund) => string | undefined
  /** The {@link Outcome} a refund in this status stands for (the truth API's `outcome`). */
  readonly outcome: (status: string) => Outcome
  /** The refund's processor attributes, and its truth-API reference and failure reason. */
  readonly refund: (input: {
    readonly item: SeedRefund
    readonly id: string
    /** The payment's id as stored (not an alias). */
    readonly paymentId: string
  }) => {
    readonly attributes: A
    readonly reference?: string | undefined
    readonly failureReason?: string | undefined
  }
}

const itemKeys: ReadonlySet<string> = new Set([
  "id",
  "paymentId",
  "amount",
  "currency",
  "status",
  "createdAt",
  "updatedAt",
  "reference",
  "metadata",
  "failureReason"
])

const isEpochMillis = (n: unknown): n is number => typeof n === "number" && Number.isSafeInteger(n) && n >= 0

/** Why the item is malformed (shape and shared rules), or undefined. */
const malformed = (u: unknown, statuses: ReadonlySet<string>, now: number): string | undefined => {
  if (typeof u !== "object" || u === null || Array.isArray(u)) return "must be a JSON object"
  const item = u as Record<string, unknown>
  for (const key in item) {
    if (!itemKeys.has(key)) return `unknown field ${JSON.stringify(key)}`
  }
  const { amount, currency, status, createdAt, updatedAt, id, paymentId, reference, metadata, failureReason } = item
  if (typeof amount !== "number" || !Number.isSafeInteger(amount) || amount <= 0) {
    return `amount must be a positive integer (minor units), got ${JSON.stringify(amount)}`
  }
  if (typeof currency !== "string" || !/^[A-Za-z]{3}$/.test(currency)) return `currency must be a 3-letter code, got ${JSON.stringify(currency)}`
  if (typeof status !== "string" || !statuses.has(status)) {
    return `status must be one of ${[...statuses].join(", ")}, got ${JSON.stringify(status)}`
  }
  if (!isEpochMillis(createdAt)) return `createdAt must be epoch milliseconds (a non-negative integer), got ${JSON.stringify(createdAt)}`
  if (createdAt > now) return `createdAt ${createdAt} is after the emulator clock (${now}): seeded refunds already happened`
  if (updatedAt !== undefined) {
    if (!isEpochMillis(updatedAt)) return `updatedAt must be epoch milliseconds, got ${JSON.stringify(updatedAt)}`
    if (updatedAt < createdAt || updatedAt > now) return `updatedAt must lie between createdAt and the emulator clock (${now})`
  }
  if (id !== undefined && (typeof id !== "string" || id === "")) return "id must be a non-empty string"
  if (paymentId !== undefined && (typeof paymentId !== "string" || paymentId === "")) return "paymentId must be a non-empty string"
  if (reference !== undefined && typeof reference !== "string") return "reference must be a string"
  if (failureReason !== undefined && (typeof failureReason !== "string" || failureReason === "")) {
    return "failureReason must be a non-empty string"
  }
  if (metadata !== undefined) {
    if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) return "metadata must be an object of strings"
    for (const key in metadata) {
      if (typeof (metadata as Record<string, unknown>)[key] !== "string") return `metadata.${key} must be a string`
    }
  }
  return undefined
}

interface Prepared {
  readonly item: SeedRefund
  readonly id: string
  /** The payment group: a given `paymentId`, or undefined for a payment of its own. */
  readonly group: string | undefined
}

interface Group {
  readonly currency: string
  /** Sum of all its seeded refunds (a new payment's amount). */
  total: number
  /** Sum of those that hold funds (what an existing payment must still cover). */
  held: number
  createdAt: number
  readonly existing: PaymentRecord | undefined
  /** An existing payment's refundable amount before the seed. */
  readonly refundable: number
}

/**
 * A seed in progress: {@link add} validates each item (throwing {@link SeedError}, nothing stored),
 * {@link commit} stores them all.
 */
export class SeedBatch<A> {
  private readonly prepared: Array<Prepared> = []
  private readonly ids = new Set<string>()
  private readonly groups = new Map<string, Group>()
  private readonly statuses: ReadonlySet<string>
  private readonly now: number
  private committed = false

  private readonly store: RefundStore<A>
  private readonly policy: SeedPolicy<A>

  constructor(store: RefundStore<A>, policy: SeedPolicy<A>) {
    this.store = store
    this.policy = policy
    this.statuses = new Set(policy.statuses)
    this.now = store.clock.now()
  }

  /** How many items were accepted so far. */
  get size(): number {
    return this.prepared.length
  }

  /** Validates one item (the next in the batch). Throws {@link SeedError}. */
  add(u: unknown): void {
    const index = this.prepared.length
    const fail = (reason: string): never => {
      throw new SeedError(index, reason)
    }
    this.check(u, fail)
  }

  private check(u: unknown, fail: (reason: string) => never): void {
    const shape = malformed(u, this.statuses, this.now)
    if (shape !== undefined) fail(shape)
    const item = u as SeedRefund
    const own = this.policy.check?.(item)
    if (own !== undefined) fail(own)
    // Only given ids are remembered: fresh ones are unique by construction (checked against given ones).
    let id = item.id
    if (id === undefined) {
      do id = this.policy.newRefundId()
      while (this.ids.has(id) || this.store.has(id))
    } else if (this.ids.has(id) || this.store.has(id)) {
      fail(`duplicate refund id ${JSON.stringify(id)}`)
    } else {
      this.ids.add(id)
    }
    const group = item.paymentId
    if (group !== undefined) {
      const known = this.groups.get(group)
      const holds = this.store.lifecycle.holdsFunds(item.status)
      if (known === undefined) {
        const existing = this.store.payment(group)
        const currency = existing?.currency ?? this.policy.newPayment(group, item.currency).currency
        if (currency.toLowerCase() !== item.currency.toLowerCase()) {
          fail(`currency ${item.currency} differs from payment ${group}'s (${currency})`)
        }
        this.groups.set(group, {
          currency,
          total: item.amount,
          held: holds ? item.amount : 0,
          createdAt: item.createdAt,
          existing,
          refundable: existing === undefined ? Infinity : this.store.refundable(existing.id)
        })
      } else {
        if (known.currency.toLowerCase() !== item.currency.toLowerCase()) {
          fail(`currency ${item.currency} differs from payment ${group}'s (${known.currency})`)
        }
        known.total += item.amount
        if (holds) known.held += item.amount
        if (item.createdAt < known.createdAt) known.createdAt = item.createdAt
      }
      const g = this.groups.get(group)!
      if (g.held > g.refundable) fail(`the refunds seeded on payment ${group} exceed its refundable amount (${g.refundable})`)
    }
    this.prepared.push({ item, id: id!, group })
  }

  /** Stores every item (once). */
  commit(): SeedResult {
    if (this.committed) throw new Error("This seed batch was already committed")
    this.committed = true
    const store = this.store
    const policy = this.policy
    const payments = new Map<string, PaymentRecord>()
    let created = 0
    for (const [key, group] of this.groups) {
      if (group.existing !== undefined) {
        payments.set(key, group.existing)
        continue
      }
      const ids = policy.newPayment(key, group.currency)
      payments.set(key, store.addPayment({ ...ids, amount: group.total, createdAt: group.createdAt }))
      created++
    }
    const implicit = policy.implicitPayments
    if (implicit !== undefined) store.useImplicitPayments(implicit)
    // The processor's spelling of each currency (Stripe lowercase), worked out once per currency.
    const currencies = new Map<string, string>()
    const currencyOf = (paymentId: string, currency: string) => {
      let spelled = currencies.get(currency)
      if (spelled === undefined) currencies.set(currency, spelled = policy.newPayment(paymentId, currency).currency)
      return spelled
    }
    for (const { item, id, group } of this.prepared) {
      let payment: PaymentRecord | { readonly implicit: string }
      let paymentId: string
      let currency: string
      if (group !== undefined) {
        const record = payments.get(group)!
        payment = record
        paymentId = record.id
        currency = record.currency
      } else if (implicit !== undefined) {
        paymentId = implicit.paymentIdFor(id)
        payment = { implicit: paymentId }
        currency = currencyOf(paymentId, item.currency)
        created++
      } else {
        const record = store.addPayment({ ...policy.newPayment(undefined, item.currency), amount: item.amount, createdAt: item.createdAt })
        payment = record
        paymentId = record.id
        currency = record.currency
        created++
      }
      const mapped = policy.refund({ item, id, paymentId })
      store.insertSettled({
        id,
        payment,
        amount: item.amount,
        currency,
        status: item.status,
        outcome: policy.outcome(item.status),
        createdAt: item.createdAt,
        updatedAt: item.updatedAt,
        failureReason: mapped.failureReason,
        reference: mapped.reference,
        metadata: item.metadata === undefined ? undefined : { ...item.metadata },
        attributes: mapped.attributes
      })
    }
    store.warm()
    return { seeded: this.prepared.length, payments: created }
  }
}

/** Runs a batch over items (sync or async): all validated, then all stored. */
export const seed = async <A>(
  store: RefundStore<A>,
  policy: SeedPolicy<A>,
  items: Iterable<unknown> | AsyncIterable<unknown>
): Promise<SeedResult> => {
  const batch = new SeedBatch(store, policy)
  if (Symbol.asyncIterator in items) {
    for await (const item of items) batch.add(item)
  } else {
    for (const item of items) batch.add(item)
  }
  return batch.commit()
}

/**
 * Splits NDJSON bytes into parsed lines (blank lines skipped), remembering each item's line number in
 * `lines` (so a {@link SeedError}'s index names its line). A line that is not JSON throws a `SyntaxError`
 * naming its line.
 */
export async function* ndjson(chunks: AsyncIterable<Uint8Array | string>, lines: Array<number>): AsyncGenerator<unknown> {
  const decoder = new TextDecoder()
  let rest = ""
  let lineNo = 0
  const parse = (text: string) => {
    lineNo++
    if (text.trim() === "") return undefined
    try {
      const value: unknown = JSON.parse(text)
      lines.push(lineNo)
      return { value }
    } catch (error) {
      throw new SyntaxError(`line ${lineNo}: not JSON (${error instanceof Error ? error.message : String(error)})`)
    }
  }
  for await (const chunk of chunks) {
    rest += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true })
    let start = 0
    let nl = rest.indexOf("\n", start)
    while (nl !== -1) {
      const parsed = parse(rest.slice(start, nl))
      if (parsed !== undefined) yield parsed.value
      start = nl + 1
      nl = rest.indexOf("\n", start)
    }
    rest = rest.slice(start)
  }
  rest += decoder.decode()
  if (rest !== "") {
    const parsed = parse(rest)
    if (parsed !== undefined) yield parsed.value
  }
}
