import { assert, describe, it } from "@effect/vitest"
import { CapabilityMatrix } from "@refract/core"
import { fakeConnector, fakeTokenConnector } from "./helpers/FakeConnector.ts"

describe("CapabilityMatrix", () => {
  it("renders one column per connector from its declarations", () => {
    const md = CapabilityMatrix.markdown([fakeTokenConnector, fakeConnector])
    const lines = md.split("\n")
    assert.strictEqual(lines[0], "| | [FakePay](fakepay.md) | [FakePay](fakepay-oauth.md) |")
    assert.include(md, "| Status endpoint (get) | yes | yes |")
    assert.include(md, "| Authentication | static headers | OAuth2 access token (cached, refreshed on 401) |")
    assert.include(md, "`FAKEPAY_API_KEY` secret → apiKey")
    assert.include(md, "| Documented rate limit | 10 req/s | 10 req/s |")
  })

  it("reflects a changed declaration", () => {
    const webhookOnly = { ...fakeConnector, id: "hookpay", capabilities: { ...fakeConnector.capabilities, get: false } }
    assert.include(CapabilityMatrix.markdown([webhookOnly]), "| Status endpoint (get) | no: webhooks only |")
    const keyless = { ...fakeConnector, idempotencyKey: { maxLength: 255, windowMillis: 0 } }
    assert.include(CapabilityMatrix.markdown([keyless]), "| Idempotency key | none at the processor:")
    assert.include(CapabilityMatrix.markdown([fakeConnector]), "| Idempotency key | yours or derived, at most 40 chars, kept 1 days |")
  })
})
