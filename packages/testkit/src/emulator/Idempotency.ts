/**
 * An idempotency-key store shared by the emulators. What is compared and which responses are kept is the
 * processor's {@link IdempotencyPolicy}; the framework runs the begin/complete protocol around the handler.
 *
 * @since 0.1.0
 */

/** A stored response, replayed byte for byte. */
export interface StoredResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: Uint8Array
}

/** Result of {@link IdempotencyStore.begin}. */
export type Begin =
  | { readonly _tag: "Proceed" }
  | { readonly _tag: "Replay"; readonly response: StoredResponse }
  | { readonly _tag: "Mismatch"; readonly response: StoredResponse }
  | { readonly _tag: "InFlight" }

type Entry =
  | { readonly state: "in_flight"; readonly fingerprint: string }
  | { readonly state: "done"; readonly fingerprint: string; readonly response: StoredResponse }

/** Keys to in-flight markers and stored responses. */
export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>()

  /**
   * Starts a request under `key`. `Proceed` marks the key in flight; the caller must then call
   * {@link complete} exactly once.
   */
  begin(key: string, fingerprint: string): Begin {
    const entry = this.entries.get(key)
    if (entry === undefined) {
      this.entries.set(key, { state: "in_flight", fingerprint })
      return { _tag: "Proceed" }
    }
    if (entry.state === "in_flight") return { _tag: "InFlight" }
    return entry.fingerprint === fingerprint
      ? { _tag: "Replay", response: entry.response }
      : { _tag: "Mismatch", response: entry.response }
  }

  /** Stores the response for replay, or (with `undefined`) forgets the key so a retry runs as new. */
  complete(key: string, response: StoredResponse | undefined): void {
    const entry = this.entries.get(key)
    if (entry === undefined || entry.state !== "in_flight") return
    if (response === undefined) this.entries.delete(key)
    else this.entries.set(key, { state: "done", fingerprint: entry.fingerprint, response })
  }

  has(key: string): boolean {
    return this.entries.has(key)
  }

  clear(): void {
    this.entries.clear()
  }
}
