/**
 * Small, careful building blocks for webhook signature schemes, shared by connectors.
 * Comparisons are constant time and never throw on length mismatch or bad encodings.
 */
import { createHmac, timingSafeEqual } from "node:crypto"
import { Redacted } from "effect"

export type Key = Redacted.Redacted<string> | Uint8Array

const keyBytes = (key: Key): Uint8Array | string => (Redacted.isRedacted(key) ? Redacted.value(key) : key)

export const hmac = (algorithm: "sha256" | "sha512" | "sha1", key: Key, message: Uint8Array | string): Uint8Array =>
  new Uint8Array(createHmac(algorithm, keyBytes(key)).update(message).digest())

export const hmacSha256 = (key: Key, message: Uint8Array | string): Uint8Array => hmac("sha256", key, message)

/** Constant-time equality of two byte strings; false (not an exception) when lengths differ. */
export const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && timingSafeEqual(a, b)

const hexPattern = /^(?:[0-9a-fA-F]{2})*$/

export const fromHex = (hex: string): Uint8Array | undefined =>
  hexPattern.test(hex) ? new Uint8Array(Buffer.from(hex, "hex")) : undefined

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/

export const fromBase64 = (b64: string): Uint8Array | undefined =>
  b64.length % 4 === 0 && base64Pattern.test(b64) ? new Uint8Array(Buffer.from(b64, "base64")) : undefined

export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex")
export const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64")

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

export const concatBytes = (...parts: ReadonlyArray<Uint8Array | string>): Uint8Array =>
  new Uint8Array(Buffer.concat(parts.map((p) => (typeof p === "string" ? utf8.encode(p) : p))))
