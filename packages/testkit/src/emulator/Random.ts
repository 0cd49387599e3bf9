/**
 * Seeded, order-independent randomness for adversity (webhook jitter, duplicates, redelivery) and fault
 * campaigns. A decision is a hash of (seed, what it is about), not the next number of a shared stream, so a
 * run replays exactly from its seed even when concurrent deliveries finish in another order.
 *
 * @since 0.1.0
 */
import { randomBytes } from "node:crypto"

/** A seed as given by a user: a number or any string. */
export type Seed = number | string

/** A fresh seed, for runs that did not ask for one (it is reported, so the run can still be replayed). */
export const freshSeed = (): number => randomBytes(4).readUInt32BE(0)

/** 32-bit FNV-1a over the parts, joined by a separator no part can fake. */
const fnv1a = (text: string): number => {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash >>> 0
}

/** Finalizer of splitmix32/murmur3: spreads FNV's weak low bits over the whole word. */
const mix = (x: number): number => {
  let z = (x + 0x9e3779b9) >>> 0
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
  return (z ^ (z >>> 16)) >>> 0
}

/** A number in [0, 1) determined by the seed and the parts. */
export const unit = (seed: Seed, ...parts: ReadonlyArray<string | number>): number =>
  mix(fnv1a([String(seed), ...parts.map(String)].join("\u0000"))) / 2 ** 32

/** True with probability `p` (0 → never, 1 → always). */
export const chance = (p: number, seed: Seed, ...parts: ReadonlyArray<string | number>): boolean =>
  p > 0 && (p >= 1 || unit(seed, ...parts) < p)

/** An integer in [0, n). */
export const below = (n: number, seed: Seed, ...parts: ReadonlyArray<string | number>): number =>
  n <= 1 ? 0 : Math.floor(unit(seed, ...parts) * n)

/** Validates a probability option. */
export const checkRate = (name: string, p: number | undefined): void => {
  if (p !== undefined && !(p >= 0 && p <= 1)) throw new RangeError(`${name} must be between 0 and 1, got ${p}`)
}
