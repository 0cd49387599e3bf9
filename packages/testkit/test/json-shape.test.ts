import { assert, describe, it } from "@effect/vitest"
import * as JsonShape from "@refract/testkit/emulator/JsonShape"

const money: JsonShape.Shape = {
  kind: "object",
  fields: { currency_code: { kind: "string", minLength: 3, maxLength: 3 }, value: { kind: "string", maxLength: 5 } },
  required: ["currency_code", "value"]
}
const body: JsonShape.Shape = {
  kind: "object",
  fields: {
    amount: money,
    count: { kind: "integer", minimum: 1 },
    note: { kind: "string", minLength: 1, maxLength: 3 },
    type: { kind: "string", oneOf: ["a", "b"] },
    tags: { kind: "array", items: { kind: "string", pattern: /^[a-z]+$/ }, maxItems: 2 },
    metadata: { kind: "record", values: { kind: "scalar" } }
  }
}
const tags = (issues: ReadonlyArray<JsonShape.Issue>) => issues.map((i) => `${i._tag} ${JsonShape.pointer(i.path)}`)

describe("JsonShape", () => {
  it("accepts a body that fits, with null members read as absent", () => {
    assert.deepStrictEqual(JsonShape.check(body, {}), [])
    assert.deepStrictEqual(
      JsonShape.check(body, {
        amount: { currency_code: "USD", value: "1.00" },
        count: 2,
        note: "é€𝄞",
        type: "b",
        tags: ["x", "y"],
        metadata: { a: "1", b: 2, c: true, d: null }
      }),
      []
    )
    assert.deepStrictEqual(JsonShape.check(body, { amount: null, note: null }), [])
  })

  it("names unknown members, prototype keys included, without following them", () => {
    const parsed = JSON.parse("{\"__proto__\":{\"x\":1},\"constructor\":1,\"amount\":{\"currency_code\":\"USD\",\"value\":\"1\",\"toString\":[]}}")
    assert.deepStrictEqual(tags(JsonShape.check(body, parsed)), [
      "Unknown /__proto__",
      "Unknown /constructor",
      "Unknown /amount/toString"
    ])
  })

  it("reports wrong JSON types, missing members and broken constraints with their paths", () => {
    assert.deepStrictEqual(tags(JsonShape.check(body, [])), ["WrongType "])
    assert.deepStrictEqual(tags(JsonShape.check(body, {
      amount: { currency_code: "USDX" },
      count: 1.5,
      note: "long",
      type: "c",
      tags: ["ok", "NO"],
      metadata: { nested: { no: true }, list: [1] }
    })), [
      "Length /amount/currency_code",
      "Missing /amount/value",
      "Range /count",
      "Length /note",
      "NotOneOf /type",
      "Pattern /tags/1",
      "WrongType /metadata/nested",
      "WrongType /metadata/list"
    ])
    assert.deepStrictEqual(tags(JsonShape.check(body, { amount: [], count: "1", tags: ["a", "b", "c"] })), [
      "WrongType /amount",
      "WrongType /count",
      "Length /tags"
    ])
  })

  it("refuses numbers that are not safe integers where an integer belongs", () => {
    for (const count of [1e20, Number.MAX_SAFE_INTEGER + 1, 0]) {
      assert.deepStrictEqual(tags(JsonShape.check(body, { count })), ["Range /count"], String(count))
    }
    assert.deepStrictEqual(tags(JsonShape.check(body, JSON.parse("{\"count\":1e400}"))), ["Range /count"])
  })

  it("tells structural issues from constraint failures", () => {
    assert.isTrue(JsonShape.isStructural({ _tag: "Unknown", path: ["x"] }))
    assert.isTrue(JsonShape.isStructural({ _tag: "WrongType", path: ["x"], expected: "string" }))
    assert.isFalse(JsonShape.isStructural({ _tag: "Length", path: ["x"] }))
    assert.isFalse(JsonShape.isStructural({ _tag: "Missing", path: ["x"] }))
  })

  it("writes JSON pointers and reads values back", () => {
    assert.strictEqual(JsonShape.pointer(["a/b", "c~d", 0]), "/a~1b/c~0d/0")
    const parsed = { amount: { value: "1.00" }, list: [{ x: 1 }] }
    assert.strictEqual(JsonShape.valueAt(parsed, ["amount", "value"]), "1.00")
    assert.strictEqual(JsonShape.valueAt(parsed, ["list", 0, "x"]), 1)
    assert.isUndefined(JsonShape.valueAt(parsed, ["amount", "toString"]))
    assert.isUndefined(JsonShape.valueAt(parsed, ["missing", "deeper"]))
  })
})
