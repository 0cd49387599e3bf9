/**
 * Small, careful building blocks for webhook signature schemes, shared by connectors.
 * Comparisons are constant time and never throw on length mismatch or bad encodings.
 * Portable: no Node API (HMAC from core's own SHA-256, encodings from `effect/encoding`).
 */
import { Redacted, Result } from "effect"
import { Base64, Hex } from "effect/encoding"
import * as Sha256 from "../crypto/Sha256.ts"

export type Key = Redacted.Redacted<string> | Uint8Array

const keyBytes = (key: Key | string): Uint8Array | string => (Redacted.isRedacted(key) ? Redacted.value(key) : key)

/** HMAC with the only algorithm processors use for refund webhooks today (Stripe, Adyen, Checkout.com, Razorpay, Square). */
export const hmac = (algorithm: "sha256", key: Key, message: Uint8Array | string): Uint8Array => {
  void algorithm
  return Sha256.hmacSha256(keyBytes(key), message)
}

export const hmacSha256 = (key: Key, message: Uint8Array | string): Uint8Array => Sha256.hmacSha256(keyBytes(key), message)

/**
 * Hex HMAC-SHA256, the signature most processors send in a header (Stripe, Razorpay, GoCardless, Paddle,
 * Mercado Pago). A plain string key is used as its UTF-8 bytes, exactly as the same key Redacted.
 */
export const hmacSha256Hex = (key: Key | string, message: Uint8Array | string): string => toHex(Sha256.hmacSha256(keyBytes(key), message))

/**
 * Constant-time equality of two byte strings; false (not an exception) when lengths differ. Every
 * byte is visited whatever the first difference, so the time says nothing about where it is.
 */
export const equalBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.reduce((difference, x, i) => difference | (x ^ b[i]!), 0) === 0

// Strict decoders (effect/encoding): odd lengths, foreign characters anywhere, missing or extra
// padding and URL-safe characters are refused (pinned by the Signature tests, should effect change).
export const fromHex = (hex: string): Uint8Array | undefined => Result.getOrUndefined(Hex.decode(hex))

export const fromBase64 = (b64: string): Uint8Array | undefined => Result.getOrUndefined(Base64.decode(b64))

export const toHex = (bytes: Uint8Array): string => Hex.encode(bytes)
export const toBase64 = (bytes: Uint8Array): string => Base64.encode(bytes)

/** Compares an expected MAC with a hex string from a header. */
export const equalsHex = (expected: Uint8Array, candidateHex: string): boolean => {
  const candidate = fromHex(candidateHex.trim())
  return candidate !== undefined && equalBytes(expected, candidate)
}

/** Compares an expected MAC with a base64 string from a header or body. */
export const equalsBase64 = (expected: Uint8Array, candidateB64: string): boolean => {
  const candidate = fromBase64(candidateB64.trim())
  return candidate !== undefined && equalBytes(expected, candidate)
}

const utf8 = new TextEncoder()

export const concatBytes = (...parts: ReadonlyArray<Uint8Array | string>): Uint8Array => {
  const chunks = parts.map((p) => (typeof p === "string" ? utf8.encode(p) : p))
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}
