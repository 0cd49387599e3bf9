import { assert, describe, it } from "@effect/vitest"
import { createHash } from "node:crypto"
import { Idempotency } from "@refract/core"

const day = 24 * 60 * 60 * 1000
const rules = (r: { maxLength: number; minLength?: number; pattern?: RegExp }) => ({ windowMillis: day, ...r })
/** The hashed form, computed independently: "refract-" and the start of the id's SHA-256 in base64url. */
const hashed = (id: string, length: number) => `refract-${createHash("sha256").update(id).digest("base64url").slice(0, length)}`

describe("Idempotency.derive", () => {
  it("uses the merchant refund id itself, prefixed, when the processor accepts it", () => {
    assert.strictEqual(Idempotency.derive("order-42_r1", rules({ maxLength: 40 })), "refract-order-42_r1")
    assert.strictEqual(Idempotency.derive("A", rules({ maxLength: 40 })), "refract-A")
  })

  it("is a pure function of the id and the rules: the same key on every attempt", () => {
    const r = rules({ maxLength: 30 })
    for (const id of ["order-1", "order.1", "x".repeat(64)]) {
      assert.strictEqual(Idempotency.derive(id, r), Idempotency.derive(id, { ...r }))
    }
  })

  it("keeps the direct key up to exactly maxLength characters and hashes one character more", () => {
    const id = "a".repeat(32) // "refract-" + 32 = 40
    assert.strictEqual(Idempotency.derive(id, rules({ maxLength: 40 })), `refract-${id}`)
    assert.strictEqual(Idempotency.derive(id, rules({ maxLength: 39 })), hashed(id, 31))
  })

  it("hashes a key shorter than minLength, and keeps one of exactly minLength", () => {
    // Razorpay wants at least 10 characters: "refract-ab" is exactly 10.
    assert.strictEqual(Idempotency.derive("ab", rules({ maxLength: 40, minLength: 10 })), "refract-ab")
    assert.strictEqual(Idempotency.derive("a", rules({ maxLength: 40, minLength: 10 })), hashed("a", 32))
  })

  it("hashes ids with characters outside [A-Za-z0-9_-], wherever they are", () => {
    for (const id of ["order.1", ".order1", "order1.", "order:1", "ord er", "ordré"]) {
      const key = Idempotency.derive(id, rules({ maxLength: 40 }))
      assert.strictEqual(key, hashed(id, 32), id)
      assert.match(key, /^refract-[A-Za-z0-9_-]{32}$/)
    }
  })

  it("hashes when the processor's own pattern refuses the direct key, and keeps it when the pattern accepts it", () => {
    const noUnderscore = /^[A-Za-z0-9-]+$/
    assert.strictEqual(Idempotency.derive("order-1", rules({ maxLength: 40, pattern: noUnderscore })), "refract-order-1")
    assert.strictEqual(Idempotency.derive("order_1", rules({ maxLength: 40, pattern: noUnderscore })), hashed("order_1", 32))
  })

  it("hashes to maxLength, at most the whole digest, and never fewer than 16 digest characters", () => {
    const id = "order.1"
    assert.strictEqual(Idempotency.derive(id, rules({ maxLength: 45 })), hashed(id, 37)) // Square
    assert.strictEqual(Idempotency.derive(id, rules({ maxLength: 45 })).length, 45)
    assert.strictEqual(Idempotency.derive(id, rules({ maxLength: 255 })), hashed(id, 43))
    assert.strictEqual(Idempotency.derive(id, rules({ maxLength: 51 })), hashed(id, 43))
    assert.strictEqual(Idempotency.derive(id, rules({ maxLength: 50 })), hashed(id, 42))
    assert.strictEqual(Idempotency.derive(id, rules({ maxLength: 24 })), hashed(id, 16))
    assert.strictEqual(Idempotency.derive(id, rules({ maxLength: 20 })), hashed(id, 16))
  })

  it("gives different ids different hashed keys", () => {
    const r = rules({ maxLength: 40 })
    assert.notStrictEqual(Idempotency.derive("order.1", r), Idempotency.derive("order.2", r))
    assert.notStrictEqual(Idempotency.derive("a".repeat(40), r), Idempotency.derive("a".repeat(41), r))
  })
})
