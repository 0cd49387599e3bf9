/**
 * An idempotency-key store shared by the emulators. What is compared and which responses are kept is the
 * processor's {@link IdempotencyPolicy}; the framework runs the begin/complete protocol around the handler.
 *
 * Keys expire: each processor remembers a key for a window measured from its first use (Stripe about a day,
 * PayPal 45 days, ...). A key used again after its window is forgotten and the request runs as new, exactly
 * as at the processor, so a late blind replay creates a second refund. The forgotten key stays visible in
 * {@link IdempotencyStore.records} (state `expired`).
 *
 * @since 0.1.0
 */
import type { EmulatorClock } from "./Clock.ts"
import type { IdempotencyKeyRecord } from "./Emulator.ts"

/** A stored response, replayed byte for byte. */
export interface StoredResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: Uint8Array
}

/** Result of {@link IdempotencyStore.begin}. */
export type Begin =
  /** Run the request; `expired` tells when a forgotten earlier use of the key happened. */
  | { readonly _tag: "Proceed"; readonly expired?: { readonly firstUsedAt: number } }
  | { readonly _tag: "Replay"; readonly response: StoredResponse }
  | { readonly _tag: "Mismatch"; readonly response: StoredResponse }
  | { readonly _tag: "InFlight" }

type Entry =
  | { readonly state: "in_flight"; readonly fingerprint: string; readonly firstUsedAt: number }
  | { readonly state: "done"; readonly fingerprint: string; readonly firstUsedAt: number; readonly response: StoredResponse }

/** Keys to in-flight markers and stored responses, forgotten after `windowMillis` of emulator time. */
export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>()
  private forgotten: Array<IdempotencyKeyRecord> = []
  private readonly clock: EmulatorClock
  /** How long a key is remembered after its first use. `Infinity` = forever. */
  readonly windowMillis: number

  constructor(clock: EmulatorClock, windowMillis: number = Number.POSITIVE_INFINITY) {
    if (!(windowMillis > 0)) throw new RangeError(`the idempotency window must be positive, got ${windowMillis}`)
    this.clock = clock
    this.windowMillis = windowMillis
  }

  /**
   * Starts a request under `key`. `Proceed` marks the key in flight; the caller must then call
   * {@link complete} exactly once.
   */
  begin(key: string, fingerprint: string): Begin {
    const now = this.clock.now()
    const entry = this.entries.get(key)
    let expired: { readonly firstUsedAt: number } | undefined
    // An in-flight key never expires under the request still using it.
    if (entry !== undefined && entry.state === "done" && now >= entry.firstUsedAt + this.windowMillis) {
      this.entries.delete(key)
      this.forgotten.push(this.record(key, entry, "expired"))
      expired = { firstUsedAt: entry.firstUsedAt }
    } else if (entry !== undefined) {
      if (entry.state === "in_flight") return { _tag: "InFlight" }
      return entry.fingerprint === fingerprint
        ? { _tag: "Replay", response: entry.response }
        : { _tag: "Mismatch", response: entry.response }
    }
    this.entries.set(key, { state: "in_flight", fingerprint, firstUsedAt: now })
    return expired === undefined ? { _tag: "Proceed" } : { _tag: "Proceed", expired }
  }

  /** Stores the response for replay, or (with `undefined`) forgets the key so a retry runs as new. */
  complete(key: string, response: StoredResponse | undefined): void {
    const entry = this.entries.get(key)
    if (entry === undefined || entry.state !== "in_flight") return
    if (response === undefined) this.entries.delete(key)
    else this.entries.set(key, { state: "done", fingerprint: entry.fingerprint, firstUsedAt: entry.firstUsedAt, response })
  }

  /** Whether the processor still remembers the key (an expired key is not remembered, even before reuse). */
  has(key: string): boolean {
    const entry = this.entries.get(key)
    return entry !== undefined && (entry.state === "in_flight" || this.clock.now() < entry.firstUsedAt + this.windowMillis)
  }

  /** Every key the processor holds or has forgotten, oldest first. */
  records(): ReadonlyArray<IdempotencyKeyRecord> {
    const now = this.clock.now()
    const live = [...this.entries].map(([key, entry]) =>
      this.record(key, entry, entry.state === "in_flight" ? "in_flight" : now >= entry.firstUsedAt + this.windowMillis ? "expired" : "stored")
    )
    return [...this.forgotten, ...live].toSorted((a, b) => a.firstUsedAt - b.firstUsedAt)
  }

  clear(): void {
    this.entries.clear()
    this.forgotten = []
  }

  private record(key: string, entry: Entry, state: IdempotencyKeyRecord["state"]): IdempotencyKeyRecord {
    return { key, firstUsedAt: entry.firstUsedAt, expiresAt: entry.firstUsedAt + this.windowMillis, state }
  }
}
