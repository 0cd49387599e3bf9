/**
 * Webhook signing helpers and the delivery queue. Deliveries are POSTed one at a time, in order, and every
 * attempt is recorded (status, body, whether the receiver acknowledged it the processor's way).
 *
 * @since 0.1.0
 */
import { createHmac, timingSafeEqual } from "node:crypto"
import type { WebhookDelivery } from "./Emulator.ts"

/** HMAC-SHA256 of `data` (UTF-8 when a string) under `key` (UTF-8 when a string). */
export const hmacSha256 = (key: string | Uint8Array, data: string | Uint8Array): Buffer =>
  createHmac("sha256", key).update(data).digest()

/** Lower-case hex HMAC-SHA256. */
export const hmacSha256Hex = (key: string | Uint8Array, data: string | Uint8Array): string =>
  hmacSha256(key, data).toString("hex")

/** Base64 HMAC-SHA256. */
export const hmacSha256Base64 = (key: string | Uint8Array, data: string | Uint8Array): string =>
  hmacSha256(key, data).toString("base64")

/** Constant-time comparison that never throws (different lengths are simply unequal). */
export const safeEqual = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && timingSafeEqual(a, b)

/** One webhook ready to send. */
export interface WebhookMessage {
  readonly eventType: string
  readonly refundId: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

interface MutableDelivery {
  seq: number
  url: string
  eventType: string
  refundId: string
  headers: Record<string, string>
  body: string
  time: number
  status?: number
  responseBody?: string
  accepted: boolean
  error?: string
}

/** Options of {@link WebhookDispatcher}. */
export interface WebhookDispatcherOptions {
  /** Whether the receiver acknowledged (default: any 2xx). */
  readonly isAccepted?: (status: number, body: string) => boolean
  readonly timeoutMillis?: number
}

/** Sequential webhook delivery with a record of every attempt. */
export class WebhookDispatcher {
  url: string | undefined
  private deliveriesList: Array<MutableDelivery> = []
  private seq = 0
  private tail: Promise<void> = Promise.resolve()
  private readonly controllers = new Set<AbortController>()
  private closed = false

  private readonly options: WebhookDispatcherOptions

  constructor(url: string | undefined, options: WebhookDispatcherOptions = {}) {
    this.url = url
    this.options = options
  }

  /**
   * Queues messages for the current URL (nothing is queued when no URL is set). The returned promise resolves
   * once these messages were delivered or failed; it never rejects.
   */
  enqueue(messages: ReadonlyArray<WebhookMessage>): Promise<void> {
    const url = this.url
    if (url === undefined || messages.length === 0 || this.closed) return this.tail
    for (const message of messages) {
      this.tail = this.tail.then(() => this.deliver(url, message))
    }
    return this.tail
  }

  /** Resolves when every queued delivery has finished. */
  flush(): Promise<void> {
    return this.tail
  }

  deliveries(): ReadonlyArray<WebhookDelivery> {
    return this.deliveriesList.map((delivery) => ({ ...delivery, headers: { ...delivery.headers } }))
  }

  clear(): void {
    this.deliveriesList = []
    this.seq = 0
  }

  /** Aborts in-flight deliveries and drops queued ones. */
  close(): void {
    this.closed = true
    for (const controller of this.controllers) controller.abort()
  }

  private async deliver(url: string, message: WebhookMessage): Promise<void> {
    if (this.closed) return
    const delivery: MutableDelivery = {
      seq: ++this.seq,
      url,
      eventType: message.eventType,
      refundId: message.refundId,
      headers: { ...message.headers },
      body: message.body,
      time: Date.now(),
      accepted: false
    }
    this.deliveriesList.push(delivery)
    const controller = new AbortController()
    this.controllers.add(controller)
    const timer = setTimeout(() => controller.abort(), this.options.timeoutMillis ?? 5_000)
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: message.headers,
        body: message.body,
        signal: controller.signal
      })
      const text = await response.text()
      delivery.status = response.status
      delivery.responseBody = text
      delivery.accepted = (this.options.isAccepted ?? defaultIsAccepted)(response.status, text)
    } catch (error) {
      delivery.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    } finally {
      clearTimeout(timer)
      this.controllers.delete(controller)
    }
  }
}

const defaultIsAccepted = (status: number): boolean => status >= 200 && status < 300
