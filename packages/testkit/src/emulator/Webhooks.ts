/**
 * Webhook signing helpers shared by the processor formats, and the message type they render. Delivery
 * (scheduling, retries, adversity, batching) is {@link WebhookEngine}'s job.
 *
 * @since 0.1.0
 */
import { createHmac, timingSafeEqual } from "node:crypto"

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

/** One webhook ready to send: one event, as the processor renders and signs it. */
export interface WebhookMessage {
  readonly eventType: string
  readonly refundId: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** The status Stripe, Checkout.com, PayPal, Razorpay and Square accept as an acknowledgement: any 2xx. */
export const isSuccessStatus = (status: number): boolean => status >= 200 && status < 300
