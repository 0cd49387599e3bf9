/**
 * The request log: every processor request (control-API requests excluded), with secrets redacted.
 *
 * @since 0.1.0
 */
import type { FaultTag, IdempotencyNote, RecordedRequest } from "./Emulator.ts"

/** Header names whose values are always redacted. Processors can add more. */
export const defaultSecretHeaders: ReadonlyArray<string> = [
  "authorization",
  "proxy-authorization",
  "x-api-key",
  "cookie",
  "set-cookie"
]

/**
 * Redacts a secret header value. The auth scheme is kept (`Bearer [REDACTED]`), and a key prefix such as
 * `sk_test_` survives so logs stay useful; the secret itself never does.
 */
export const redactValue = (value: string): string => {
  const scheme = /^(Bearer|Basic|Token)\s+/i.exec(value)
  if (scheme !== null) return `${scheme[1]} [REDACTED]`
  const prefix = /^((?:sk|rk|pk)_(?:test|live)_)/.exec(value)
  return prefix !== null ? `${prefix[1]}[REDACTED]` : "[REDACTED]"
}

/** Lower-cases header names and redacts the secret ones. */
export const redactHeaders = (
  headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>,
  secretHeaders: ReadonlyArray<string> = defaultSecretHeaders
): Record<string, string> => {
  const secrets = new Set(secretHeaders.map((name) => name.toLowerCase()))
  const out: Record<string, string> = {}
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined) continue
    const value = typeof raw === "string" ? raw : raw.join(", ")
    const lower = name.toLowerCase()
    out[lower] = secrets.has(lower) ? redactValue(value) : value
  }
  return out
}

/** A log entry that is still being answered. */
export interface MutableRecordedRequest {
  seq: number
  method: string
  path: string
  query: string
  headers: Record<string, string>
  body: string
  time: number
  status?: number
  fault?: FaultTag
  idempotency?: IdempotencyNote
}

/** Append-only request log. */
export class RequestLog {
  private entries: Array<MutableRecordedRequest> = []
  private seq = 0

  readonly secretHeaders: ReadonlyArray<string>

  constructor(secretHeaders: ReadonlyArray<string> = defaultSecretHeaders) {
    this.secretHeaders = secretHeaders
  }

  record(input: {
    readonly method: string
    readonly url: string
    readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
    readonly body: string
    /** Epoch milliseconds on the emulator clock. */
    readonly time: number
  }): MutableRecordedRequest {
    const queryIndex = input.url.indexOf("?")
    const entry: MutableRecordedRequest = {
      seq: ++this.seq,
      method: input.method.toUpperCase(),
      path: queryIndex === -1 ? input.url : input.url.slice(0, queryIndex),
      query: queryIndex === -1 ? "" : input.url.slice(queryIndex + 1),
      headers: redactHeaders(input.headers, this.secretHeaders),
      body: input.body,
      time: input.time
    }
    this.entries.push(entry)
    return entry
  }

  list(): ReadonlyArray<RecordedRequest> {
    return this.entries.map((entry) => ({ ...entry, headers: { ...entry.headers } }))
  }

  /**
   * Notes what idempotency did with the request `seq` (see `EmulatorRequest.seq`). The framework does this
   * for header keys; a route running its own idempotency (Square's key is in the body) calls it itself.
   */
  noteIdempotency(seq: number | undefined, note: IdempotencyNote): void {
    const entry = seq === undefined ? undefined : this.entries.find((e) => e.seq === seq)
    if (entry !== undefined) entry.idempotency = note
  }

  clear(): void {
    this.entries = []
    this.seq = 0
  }
}
