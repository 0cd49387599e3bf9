/**
 * A creation-time index of an emulator's refunds, for the processors' listing endpoints (Square
 * `ListPaymentRefunds`, Razorpay `GET /v1/refunds`, PayPal Transaction Search): a time window is found by binary
 * search and a page is read from there, so a page costs O(log n + page) however many refunds the store holds,
 * instead of a filter and a sort over all of them per page.
 *
 * The index follows the store through its creation transitions. Emulator time never goes backwards, so entries
 * arrive in creation order and are appended; a refund created with an earlier `createdAt` (a bulk seed) is put in
 * its place by binary search. After `RefundStore.reset()` the old entries are dropped on the next read.
 *
 * Also here: {@link statusAsOf}, the status a refund had at some instant, for listings that are eventually
 * consistent (they show a refund, and its changes, only some time after they happen).
 *
 * @since 0.1.0
 */
import type { RefundRecord, RefundStore } from "./RefundStore.ts"

/** A position in creation order: `(createdAt, seq)`, where `seq` orders refunds created in the same millisecond. */
export interface ListingKey {
  readonly createdAt: number
  readonly seq: number
}

interface Entry<A> extends ListingKey {
  readonly refund: RefundRecord<A>
}

const compare = (a: ListingKey, b: ListingKey): number => a.createdAt - b.createdAt || a.seq - b.seq

/** Refunds in creation order, with range queries by creation time. */
export class ListingIndex<A> {
  private entries: Array<Entry<A>> = []
  private seq = 0
  private readonly store: RefundStore<A>

  constructor(store: RefundStore<A>) {
    this.store = store
    store.onTransition((transition) => {
      if (transition.from === undefined) this.insert(transition.refund)
    })
  }

  private insert(refund: RefundRecord<A>): void {
    const entry: Entry<A> = { refund, createdAt: refund.createdAt, seq: ++this.seq }
    const last = this.entries[this.entries.length - 1]
    if (last === undefined || compare(last, entry) <= 0) {
      this.entries.push(entry)
      return
    }
    this.entries.splice(this.firstAfter(entry), 0, entry)
  }

  /** Drops entries of a store that was reset since (a reset empties the store at once, so the oldest entry tells). */
  private live(): Array<Entry<A>> {
    const first = this.entries[0]
    if (first !== undefined && this.store.get(first.refund.id) !== first.refund) {
      this.entries = this.entries.filter((entry) => this.store.get(entry.refund.id) === entry.refund)
    }
    return this.entries
  }

  /** Index of the first entry strictly after `key`. */
  private firstAfter(key: ListingKey): number {
    let lo = 0
    let hi = this.entries.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (compare(this.entries[mid]!, key) <= 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** How many refunds the index holds. */
  get size(): number {
    return this.live().length
  }

  /** The key of a refund's entry (for cursors), found by binary search from its creation time. */
  keyOf(refund: RefundRecord<A>): ListingKey | undefined {
    const entries = this.live()
    for (let i = this.firstAfter({ createdAt: refund.createdAt, seq: 0 }); i < entries.length; i++) {
      const entry = entries[i]!
      if (entry.createdAt !== refund.createdAt) return undefined
      if (entry.refund === refund) return { createdAt: entry.createdAt, seq: entry.seq }
    }
    return undefined
  }

  /**
   * The positions `[start, end)` of the refunds created within `[from, to]` (inclusive, epoch ms), oldest first.
   * Read them with {@link at}.
   */
  window(from: number, to: number): { readonly start: number; readonly end: number } {
    this.live()
    const start = this.firstAfter({ createdAt: from, seq: 0 })
    const end = to < from ? start : this.firstAfter({ createdAt: to, seq: Number.MAX_SAFE_INTEGER })
    return { start, end: Math.max(start, end) }
  }

  /** The position right after `key` (ascending), or of `key` itself as an exclusive end (descending). */
  positionAfter(key: ListingKey): number {
    this.live()
    return this.firstAfter(key)
  }

  /** The position of `key` itself, or where it would be (the first entry not before it). */
  positionOf(key: ListingKey): number {
    this.live()
    return this.firstAfter({ createdAt: key.createdAt, seq: key.seq - 1 })
  }

  /** The entry at a position (from {@link window}). */
  at(position: number): { readonly refund: RefundRecord<A>; readonly key: ListingKey } | undefined {
    const entry = this.entries[position]
    return entry === undefined ? undefined : { refund: entry.refund, key: { createdAt: entry.createdAt, seq: entry.seq } }
  }
}

/**
 * The status a refund had at `instant` (epoch ms) and since when, from its history; `undefined` when it did not
 * exist yet. A lagging listing shows a refund as it was `lag` ago.
 */
export const statusAsOf = <A>(
  refund: RefundRecord<A>,
  instant: number
): { readonly status: string; readonly since: number } | undefined => {
  if (refund.createdAt > instant) return undefined
  let current = refund.history[0]
  for (const entry of refund.history) {
    if (entry.at > instant) break
    current = entry
  }
  return current === undefined ? { status: refund.status, since: refund.createdAt } : { status: current.status, since: current.at }
}

/** Validates a listing lag option (a non-negative number of emulator milliseconds). */
export const checkLag = (name: string, value: number): number => {
  if (!(value >= 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a non-negative number of milliseconds, got ${value}`)
  return value
}
