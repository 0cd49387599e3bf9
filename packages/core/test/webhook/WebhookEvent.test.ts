import { assert, describe, it } from "@effect/vitest"
import { WebhookEvent } from "@refract/core"

describe("WebhookEvent.makeRawRequest", () => {
  it("lower-cases header names and joins repeated values", () => {
    const request = WebhookEvent.makeRawRequest({ headers: { "X-Sig": "a", "X-Multi": ["1", "2"], "X-None": undefined }, body: "{}" })
    assert.deepStrictEqual({ ...request.headers }, { "x-sig": "a", "x-multi": "1, 2" })
    assert.deepStrictEqual([...request.body], [...new TextEncoder().encode("{}")])
  })

  it("headers named like Object.prototype members are plain headers; absent ones find nothing", () => {
    const request = WebhookEvent.makeRawRequest({ headers: JSON.parse("{\"__proto__\":\"p\",\"Constructor\":\"c\"}"), body: "" })
    assert.strictEqual(request.headers["__proto__"], "p")
    assert.strictEqual(request.headers["constructor"], "c")
    assert.isUndefined(WebhookEvent.makeRawRequest({ headers: {}, body: "" }).headers["toString"])
    assert.isUndefined(WebhookEvent.makeRawRequest({ headers: {}, body: "" }).headers["hasOwnProperty"])
  })
})
