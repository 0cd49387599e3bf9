/**
 * Small, careful building blocks for webhook signature schemes, shared by connectors.
 * Comparisons are constant time and never throw on length mismatch or bad encodings.
 * Portable: no Node API (HMAC from core's own SHA-256, encodings from `effect/encoding`).
 */
import { Redacted, Result } from "effect"
import { Base64, Hex } from "effect/encoding"
import * as Sha256 from "../crypto/Sha256.ts"

export type Key = Redacted.Redacted<string> | Uint8Array

const keyBytes = (key: Key): Uint8Array | string => (Redacted.isRedacted(key) ? Redacted.value(key) : key)

/** HMAC with the only algorithm processors use for refund webhooks today (Stripe, Adyen, Checkout.com, Razorpay, Square). */
export const hmac = (algorithm: "sha256", key: Key, message: Uint8Array | string): Uint8Array => {
  void algorithm
  return Sha256.hmacSha256(keyBytes(key), message)
}

export const hmacSha256 = (key: Key, message: Uint8Array | string): Uint8Array => Sha256.hmacSha256(keyBytes(key), message)

/**
 * Constant-time equality of two byte strings; false (not an exception) when lengths differ. Every
 * byte is visited whatever the first difference, so the time says nothing about where it is.
 */
export const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  let difference = 0
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!
  return difference === 0
}

const hexPattern = /^(?:[0-9a-fA-F]{2})*$/

export const fromHex = (hex: string): Uint8Array | undefined =>
  hexPattern.test(hex) ? Result.getOrUndefined(Hex.decode(hex)) : undefined

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/

export const fromBase64 = (b64: string): Uint8Array | undefined =>
  b64.length % 4 === 0 && base64Pattern.test(b64) ? Result.getOrUndefined(Base64.decode(b64)) : undefined

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
