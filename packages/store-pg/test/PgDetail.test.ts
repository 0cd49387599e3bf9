import { assert, describe, it } from "@effect/vitest"
import { PgRefundStore } from "@refract/store-pg"

/** `{ message, cause }` nested `depth` deep: m1 → m2 → … */
const chain = (depth: number): unknown => {
  let error: unknown = undefined
  for (let i = depth; i >= 1; i--) error = { message: `m${i}`, cause: error }
  return error
}

describe("PgRefundStore.detail: the most specific messages of an error's cause chain", () => {
  it("joins the messages and SQLSTATE / socket codes down the chain, following reason before cause", () => {
    const error = {
      message: "PostgreSQL refund store apply",
      reason: {
        message: "PgConnection: Query failed",
        code: "23505",
        cause: { message: "duplicate key value violates unique constraint", code: "ECONNRESET" }
      },
      cause: { message: "never read: a reason object wins" }
    }
    assert.strictEqual(
      PgRefundStore.detail(error),
      "PostgreSQL refund store apply: PgConnection: Query failed: 23505: duplicate key value violates unique constraint: ECONNRESET"
    )
  })

  it("a reason that is not an object is skipped for the cause", () => {
    assert.strictEqual(PgRefundStore.detail({ message: "outer", reason: "UniqueViolation", cause: { message: "inner" } }), "outer: inner")
  })

  it("repeated, empty and non-string messages are left out", () => {
    assert.strictEqual(
      PgRefundStore.detail({ message: "same", cause: { message: "same", cause: { message: "", cause: { message: 42, cause: { message: "last" } } } } }),
      "same: last"
    )
  })

  it("only upper-case codes (SQLSTATE, errno names) are kept, each once", () => {
    for (const [code, expected] of [
      ["57P01", "m: 57P01"],
      ["ECONNREFUSED", "m: ECONNREFUSED"],
      ["ERR_SOCKET_CLOSED", "m: ERR_SOCKET_CLOSED"],
      ["econnrefused", "m"],
      ["x23505", "m"],
      ["23505x", "m"],
      ["A-B", "m"],
      ["", "m"],
      [42, "m"]
    ] as const) {
      assert.strictEqual(PgRefundStore.detail({ message: "m", code }), expected, String(code))
    }
    assert.strictEqual(PgRefundStore.detail({ message: "m", code: "08006", cause: { code: "08006" } }), "m: 08006")
    assert.strictEqual(PgRefundStore.detail({ message: "08006", code: "08006" }), "08006")
  })

  it("stops after six levels and at null, undefined or a non-object", () => {
    assert.strictEqual(PgRefundStore.detail(chain(8)), "m1: m2: m3: m4: m5: m6")
    assert.strictEqual(PgRefundStore.detail(chain(6)), "m1: m2: m3: m4: m5: m6")
    assert.strictEqual(PgRefundStore.detail({ message: "a", cause: null }), "a")
    assert.strictEqual(PgRefundStore.detail({ message: "a", reason: null, cause: { message: "b" } }), "a: b")
    assert.strictEqual(PgRefundStore.detail({ message: "a", cause: "a string cause" }), "a")
    assert.strictEqual(PgRefundStore.detail(null), "")
    assert.strictEqual(PgRefundStore.detail("just text"), "")
    assert.strictEqual(PgRefundStore.detail(new Error("boom", { cause: new Error("root") })), "boom: root")
  })
})
