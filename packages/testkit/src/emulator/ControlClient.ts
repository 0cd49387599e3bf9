/**
 * A typed `fetch` client for the control API of an emulator running in another process
 * (e.g. `refract emulator stripe --port 12111`).
 *
 * @since 0.1.0
 */
import type { ClockInfo } from "./Clock.ts"
import type {
  CreatePaymentInput,
  EmulatedRefund,
  Fault,
  Outcome,
  RecordedRequest,
  SignedWebhook,
  SignedWebhookOptions,
  Truth,
  WebhookDelivery,
  WebhookEventRecord
} from "./Emulator.ts"
import type { SeedRefund, SeedResult } from "./Seed.ts"

/** What `GET /__emulator` answers. */
export interface EmulatorInfo {
  readonly name: string
  readonly url: string
  readonly origin: string
  readonly port: number
  readonly credentials: Readonly<Record<string, string>>
  readonly webhookSecret: string
}

/** The JSON form of a fault match (`pathPattern` is a RegExp source). */
export interface RemoteFaultMatch {
  readonly method?: string
  readonly path?: string
  readonly pathPattern?: string
  readonly times?: number
}

/** Raised for non-2xx control answers. */
export class ControlError extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.status = status
    this.name = "ControlError"
  }
}

/** Drives an emulator through its control API. `origin` is e.g. `http://127.0.0.1:12111`. */
export class ControlClient {
  readonly origin: string

  constructor(origin: string) {
    this.origin = origin
  }

  info(): Promise<EmulatorInfo> {
    return this.call("GET", "")
  }

  async createPayment(input: CreatePaymentInput): Promise<string> {
    const { id } = await this.call<{ id: string }>("POST", "/payments", input)
    return id
  }

  async scriptOutcome(paymentId: string, outcome: Outcome, options?: { readonly reason?: string }): Promise<void> {
    await this.call("POST", `/payments/${encodeURIComponent(paymentId)}/outcome`, { outcome, ...options })
  }

  async injectFault(fault: Fault, match?: RemoteFaultMatch): Promise<void> {
    await this.call("POST", "/faults", { fault, match })
  }

  /** Starts a seeded fault campaign; resolves with the seed it runs with. */
  async injectRandomFaults(campaign: {
    readonly rate: number
    readonly kinds: ReadonlyArray<Fault>
    readonly seed?: number | string
    readonly match?: RemoteFaultMatch
    readonly maxFaults?: number
  }): Promise<number | string> {
    return (await this.call<{ seed: number | string }>("POST", "/faults/random", campaign)).seed
  }

  async clearFaults(): Promise<void> {
    await this.call("DELETE", "/faults")
  }

  async refunds(): Promise<ReadonlyArray<EmulatedRefund>> {
    return (await this.call<{ data: ReadonlyArray<EmulatedRefund> }>("GET", "/refunds")).data
  }

  async requests(): Promise<ReadonlyArray<RecordedRequest>> {
    return (await this.call<{ data: ReadonlyArray<RecordedRequest> }>("GET", "/requests")).data
  }

  async webhookDeliveries(): Promise<ReadonlyArray<WebhookDelivery>> {
    return (await this.call<{ data: ReadonlyArray<WebhookDelivery> }>("GET", "/webhooks")).data
  }

  async webhookEvents(): Promise<ReadonlyArray<WebhookEventRecord>> {
    return (await this.call<{ data: ReadonlyArray<WebhookEventRecord> }>("GET", "/events")).data
  }

  /** The ground truth (JSON: a key that never expires has `expiresAt: null`). */
  truth(): Promise<Truth> {
    return this.call("GET", "/truth")
  }

  clock(): Promise<ClockInfo> {
    return this.call("GET", "/clock")
  }

  /** Moves the emulator clock forward; resolves once the timers due in the span fired and their webhooks finished. */
  advanceClock(millis: number): Promise<ClockInfo> {
    return this.call("POST", "/clock/advance", { millis })
  }

  /** Moves the emulator clock to an absolute time (never backwards). */
  setClock(epochMillis: number): Promise<ClockInfo> {
    return this.call("POST", "/clock/set", { epochMillis })
  }

  async flushWebhooks(): Promise<ReadonlyArray<WebhookDelivery>> {
    return (await this.call<{ data: ReadonlyArray<WebhookDelivery> }>("POST", "/webhooks/flush")).data
  }

  advance(refundId: string): Promise<EmulatedRefund> {
    return this.call("POST", `/refunds/${encodeURIComponent(refundId)}/advance`)
  }

  async setWebhookUrl(url: string | undefined): Promise<void> {
    await this.call("PUT", "/webhook-url", { url: url ?? null })
  }

  signedWebhook(refundId: string, options: SignedWebhookOptions = {}): Promise<SignedWebhook> {
    const query = new URLSearchParams()
    if (options.eventType !== undefined) query.set("eventType", options.eventType)
    if (options.secret !== undefined) query.set("secret", options.secret)
    if (options.tamper === true) query.set("tamper", "true")
    if (options.timestampSeconds !== undefined) query.set("timestampSeconds", String(options.timestampSeconds))
    const suffix = query.size === 0 ? "" : `?${query}`
    return this.call("GET", `/refunds/${encodeURIComponent(refundId)}/webhook${suffix}`)
  }

  /**
   * Seeds refunds in bulk (`POST /__emulator/refunds/seed`), streaming them as NDJSON: an array or any
   * (async) iterable, so a million items never sit in one string. Rejects with a {@link ControlError} whose
   * message names the first bad line (nothing is seeded then).
   */
  async seedRefunds(items: Iterable<SeedRefund> | AsyncIterable<SeedRefund>): Promise<SeedResult> {
    const encoder = new TextEncoder()
    async function* lines(): AsyncGenerator<Uint8Array> {
      let buffer = ""
      const flush = () => {
        const bytes = encoder.encode(buffer)
        buffer = ""
        return bytes
      }
      if (Symbol.asyncIterator in items) {
        for await (const item of items) {
          buffer += JSON.stringify(item) + "\n"
          if (buffer.length >= 1 << 16) yield flush()
        }
      } else {
        for (const item of items) {
          buffer += JSON.stringify(item) + "\n"
          if (buffer.length >= 1 << 16) yield flush()
        }
      }
      if (buffer !== "") yield flush()
    }
    const iterator = lines()
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await iterator.next()
        if (next.done === true) controller.close()
        else controller.enqueue(next.value)
      },
      async cancel() {
        await iterator.return(undefined)
      }
    })
    const response = await fetch(`${this.origin}/__emulator/refunds/seed`, {
      method: "POST",
      body,
      headers: { "content-type": "application/x-ndjson" },
      duplex: "half"
    } as RequestInit)
    return this.answer<SeedResult>(response)
  }

  /** The listing lag now in force (emulator ms). */
  async listLagMillis(): Promise<number> {
    return (await this.call<{ millis: number }>("GET", "/list-lag")).millis
  }

  /** Sets the listing lag (emulator ms). */
  async setListLagMillis(millis: number): Promise<void> {
    await this.call("PUT", "/list-lag", { millis })
  }

  async reset(): Promise<void> {
    await this.call("POST", "/reset")
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.origin}/__emulator${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { "content-type": "application/json" } })
    })
    return this.answer<T>(response)
  }

  private async answer<T>(response: Response): Promise<T> {
    const text = await response.text()
    const parsed: unknown = text === "" ? undefined : JSON.parse(text)
    if (!response.ok) {
      const message = typeof parsed === "object" && parsed !== null && "error" in parsed ? String(parsed.error) : text
      throw new ControlError(response.status, message)
    }
    return parsed as T
  }
}
