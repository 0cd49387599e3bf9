/**
 * Faults where processors fail, seen by real HTTP clients: faults apply to replays like to any request
 * (edge faults refuse before handling; the others act on the processor's answer, whatever it is), a reset
 * after the headers and a stall mid-body happen on the socket, and seeded campaigns replay exactly.
 */
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { StripeEmulator } from "@refract/testkit"
import type { EmulatorHandle, Fault } from "@refract/testkit"
import { call, request, sleep, until } from "./helpers.ts"

const form = "application/x-www-form-urlencoded"

describe("faults", () => {
  let emu: EmulatorHandle
  const post = (body: string, key?: string, init: RequestInit = {}) =>
    fetch(`${emu.url}/v1/refunds`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${emu.credentials.apiKey}`,
        "content-type": form,
        ...(key === undefined ? {} : { "idempotency-key": key })
      },
      body,
      ...init
    })

  beforeAll(async () => {
    emu = await StripeEmulator.start({ clock: "manual" })
  })
  afterEach(() => emu.reset())
  afterAll(() => emu.close())

  describe("apply to replays too", () => {
    const firstUse = async (key: string) => {
      const pi = await emu.createPayment({ amount: 10_000, currency: "usd" })
      const body = `payment_intent=${pi}&amount=500`
      const first = await post(body, key)
      return { body, first: await first.text() }
    }

    it("DropAfterRecord drops a replay's answer (and nothing new is recorded)", async () => {
      const { body } = await firstUse("replay-drop")
      emu.injectFault({ _tag: "DropAfterRecord" })
      const dropped = await call(`${emu.url}/v1/refunds`, {
        method: "POST",
        headers: { authorization: `Bearer ${emu.credentials.apiKey}`, "content-type": form, "idempotency-key": "replay-drop" },
        body
      })
      assert.isFalse(dropped.ok)
      assert.lengthOf(emu.refunds(), 1)
      const entry = emu.requests().at(-1)!
      assert.deepStrictEqual([entry.fault, entry.idempotency?.result, entry.status], ["DropAfterRecord", "replay", undefined])
    })

    it("MalformedBody garbles a replay; Slow holds a replay until the clock passes the delay", async () => {
      const { body, first } = await firstUse("replay-garble")
      emu.injectFault({ _tag: "MalformedBody" })
      const garbled = await post(body, "replay-garble")
      assert.strictEqual(garbled.status, 200)
      const text = await garbled.text()
      assert.isTrue(first.startsWith(text) && text.length < first.length, "a truncated copy of the replay")
      emu.injectFault({ _tag: "Slow", delayMillis: 1_000 })
      let answered = false
      const slow = post(body, "replay-garble").finally(() => (answered = true))
      await until(() => emu.requests().length === 3, "the slow replay to arrive")
      await sleep(30)
      assert.isFalse(answered)
      await emu.clock.advance(1_000)
      const replay = await slow
      assert.strictEqual(replay.headers.get("idempotent-replayed"), "true")
      assert.strictEqual(await replay.text(), first)
      assert.lengthOf(emu.refunds(), 1)
    })

    it("a mismatch error and an in-flight 409 are faulted like any answer", async () => {
      const { body } = await firstUse("replay-mismatch")
      emu.injectFault({ _tag: "ResetAfterHeaders" })
      const mismatch = await post(`${body}0`, "replay-mismatch")
      assert.strictEqual(mismatch.status, 400, "the headers of Stripe's idempotency_error arrive")
      const read = await mismatch.text().then(() => "read", (e: unknown) => `failed: ${String(e)}`)
      assert.match(read, /^failed/, "then the connection is reset")
      assert.strictEqual(emu.requests().at(-1)!.idempotency?.result, "mismatch")

      const pi = await emu.createPayment({ amount: 10_000, currency: "usd" })
      emu.injectFault({ _tag: "Slow", delayMillis: 500 })
      const slow = post(`payment_intent=${pi}&amount=1`, "in-flight")
      await until(() => emu.refunds().length === 2, "the first request to be handled")
      emu.injectFault({ _tag: "MalformedBody" })
      const conflict = await post(`payment_intent=${pi}&amount=1`, "in-flight")
      assert.strictEqual(conflict.status, 200, "the 409 became a garbled 200")
      assert.strictEqual(emu.requests().at(-1)!.idempotency?.result, "in_flight")
      await emu.clock.advance(500)
      assert.strictEqual((await slow).status, 200)
    })

    it("edge faults refuse a replay before the processor sees it: the stored answer is untouched", async () => {
      const { body, first } = await firstUse("replay-edge")
      emu.injectFault({ _tag: "RateLimit", retryAfterSeconds: 2 })
      emu.injectFault({ _tag: "ServerError", status: 503 })
      assert.strictEqual((await post(body, "replay-edge")).status, 429)
      assert.strictEqual((await post(body, "replay-edge")).status, 503)
      const refused = emu.requests().slice(-2)
      assert.isTrue(refused.every((r) => r.idempotency === undefined), "never reached idempotency")
      const replay = await post(body, "replay-edge")
      assert.strictEqual(await replay.text(), first)
      assert.lengthOf(emu.refunds(), 1)
    })
  })

  describe("on the socket, as a real client sees them", () => {
    it("ResetAfterHeaders: fetch gets the status and headers, then the body read fails; the refund IS recorded", async () => {
      const pi = await emu.createPayment({ amount: 10_000, currency: "usd" })
      emu.injectFault({ _tag: "ResetAfterHeaders" })
      const response = await post(`payment_intent=${pi}&amount=700`, "reset-1")
      assert.strictEqual(response.status, 200)
      assert.match(response.headers.get("request-id") ?? "", /^req_/)
      const error = await response.text().then(() => undefined, (e: unknown) => e)
      assert.instanceOf(error, Error)
      assert.lengthOf(emu.refunds(), 1)
      assert.strictEqual(emu.requests().at(-1)!.fault, "ResetAfterHeaders")
      // The answer was stored under the key: the retry gets the replay, not a second refund.
      const retry = await post(`payment_intent=${pi}&amount=700`, "reset-1")
      assert.strictEqual(((await retry.json()) as { id: string }).id, emu.refunds()[0]!.id)
      assert.lengthOf(emu.refunds(), 1)
    })

    it("StallMidBody: a client with a timeout times out mid-body; the refund IS recorded", async () => {
      const pi = await emu.createPayment({ amount: 10_000, currency: "usd" })
      emu.injectFault({ _tag: "StallMidBody", sentBytes: 20 })
      const started = Date.now()
      const response = await post(`payment_intent=${pi}&amount=700`, "stall-1", { signal: AbortSignal.timeout(300) })
      assert.strictEqual(response.status, 200, "the headers arrived")
      assert.strictEqual(response.headers.get("content-length") !== null, true)
      const error = await response.text().then(() => undefined, (e: unknown) => e)
      assert.instanceOf(error, Error)
      assert.strictEqual((error as Error).name, "TimeoutError")
      assert.isAtLeast(Date.now() - started, 290)
      assert.lengthOf(emu.refunds(), 1)
      const retry = await post(`payment_intent=${pi}&amount=700`, "stall-1")
      assert.strictEqual(retry.headers.get("idempotent-replayed"), "true")
    })

    it("StallMidBody with resumeAfterMillis: the rest follows once the clock passes it", async () => {
      const pi = await emu.createPayment({ amount: 10_000, currency: "usd" })
      emu.injectFault({ _tag: "StallMidBody", resumeAfterMillis: 5_000 })
      const response = await post(`payment_intent=${pi}&amount=700`)
      let body: string | undefined
      const reading = response.text().then((text) => (body = text))
      await sleep(50)
      assert.isUndefined(body, "stalled")
      await emu.clock.advance(5_000)
      await reading
      assert.strictEqual(JSON.parse(body!).id, emu.refunds()[0]!.id, "a complete, parsable body")
    })

    it("validates the new faults", () => {
      assert.throws(() => emu.injectFault({ _tag: "StallMidBody", sentBytes: -1 }), RangeError)
      assert.throws(() => emu.injectFault({ _tag: "StallMidBody", resumeAfterMillis: Number.NaN }), RangeError)
    })
  })

  describe("seeded random campaigns", () => {
    const kinds: ReadonlyArray<Fault> = [{ _tag: "ServerError", status: 502 }, { _tag: "RateLimit", retryAfterSeconds: 1 }]

    /** Twenty list requests under a campaign: which were faulted, and how. */
    const campaign = async (seed: number | string, rate = 0.3) => {
      emu.reset()
      emu.injectRandomFaults({ rate, kinds, seed, match: { method: "GET", path: "/v1/refunds" } })
      const statuses: Array<number> = []
      for (let i = 0; i < 20; i++) {
        statuses.push((await request(`${emu.url}/v1/refunds`, { headers: { authorization: `Bearer ${emu.credentials.apiKey}` } })).status)
      }
      return { statuses, stats: emu.truth().faultCampaigns }
    }

    it("the same seed faults the same requests the same way; another seed others", async () => {
      const a = await campaign(2026)
      const b = await campaign(2026)
      const c = await campaign(7)
      assert.deepStrictEqual(b.statuses, a.statuses)
      assert.notDeepEqual(c.statuses, a.statuses)
      const faulted = a.statuses.filter((s) => s !== 200).length
      assert.isAbove(faulted, 0)
      assert.isBelow(faulted, 20)
      assert.isTrue(a.statuses.every((s) => [200, 429, 502].includes(s)))
      assert.deepStrictEqual(a.stats, [{ seed: 2026, rate: 0.3, faulted }])
    })

    it("rate 0 faults nothing, rate 1 everything (up to maxFaults), and only matching requests", async () => {
      assert.isTrue((await campaign("none", 0)).statuses.every((s) => s === 200))
      assert.isTrue((await campaign("all", 1)).statuses.every((s) => s !== 200))
      emu.reset()
      emu.injectRandomFaults({ rate: 1, kinds, seed: 1, maxFaults: 2, match: { method: "GET" } })
      const auth = { authorization: `Bearer ${emu.credentials.apiKey}` }
      const pi = await emu.createPayment({ amount: 10_000, currency: "usd" })
      assert.strictEqual((await post(`payment_intent=${pi}&amount=1`)).status, 200, "a POST does not match")
      const gets = []
      for (let i = 0; i < 4; i++) gets.push((await request(`${emu.url}/v1/refunds`, { headers: auth })).status)
      assert.deepStrictEqual(gets.map((s) => s === 200), [false, false, true, true])
      assert.throws(() => emu.injectRandomFaults({ rate: 1.5, kinds }), RangeError)
      assert.throws(() => emu.injectRandomFaults({ rate: 0.5, kinds: [] }), RangeError)
      emu.clearFaults()
      assert.deepStrictEqual(emu.truth().faultCampaigns, [])
    })
  })
})
