/**
 * What using the CLI feels like, as a subprocess against testkit emulators on loopback: progress
 * while waiting, `--log-level debug` request lines, JSON shapes and JSON errors, the hint after an
 * interrupted create, `refunds lookup` / `refunds wait`, and messages that used to mislead.
 */
import { once } from "node:events"
import { createServer } from "node:net"
import type { AddressInfo } from "node:net"
import { AdyenEmulator, StripeEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { run, start } from "./helpers.ts"

// Each step is a CLI subprocess; on a busy machine a handful of them take a while.
vi.setConfig({ testTimeout: 120_000 })

let stripe: EmulatorHandle
let settling: EmulatorHandle
let env: Record<string, string>

beforeAll(async () => {
  // Manual clock: refunds stay pending, slow answers wait until the test moves time.
  stripe = await StripeEmulator.start({ port: 0, clock: "manual" })
  // Real clock, refunds settle 700 ms after creation: what `refunds wait` polls.
  settling = await StripeEmulator.start({ port: 0, settleAfterMillis: 700 })
  env = { STRIPE_API_KEY: stripe.credentials["apiKey"]! }
})

afterAll(async () => {
  await stripe?.close()
  await settling?.close()
})

const createArgs = (emulator: EmulatorHandle, payment: string, merchantRefundId: string, extra: ReadonlyArray<string> = []) => [
  "refunds", "create", "--connector", "stripe", "--base-url", emulator.url, "--payment", payment,
  "--amount", "1000", "--currency", "USD", "--merchant-refund-id", merchantRefundId, ...extra
]

describe("progress and debug output", () => {
  it("--log-level debug shows each request and answer (method, path, status, duration, idempotency key), never the key", async () => {
    const payment = await stripe.createPayment({ amount: 2500, currency: "USD" })
    const r = await run([...createArgs(stripe, payment, "dbg-1"), "--log-level", "debug"], env)
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/refract: debug: POST \/v1\/refunds → 200 in [\d.]+ m?s \(idempotency-key \S*dbg-1\S*\)/)
    expect(r.output).not.toContain(env["STRIPE_API_KEY"])
    const quiet = await run(createArgs(stripe, payment, "dbg-1"), env)
    expect(quiet.stderr).toBe("")
  })

  it("a retry is shown with its reason and delay; --json keeps stderr quiet", async () => {
    const payment = await settling.createPayment({ amount: 2500, currency: "USD" })
    settling.injectFault({ _tag: "RateLimit", retryAfterSeconds: 1 }, { method: "POST", path: "/v1/refunds", times: 1 })
    const r = await run(createArgs(settling, payment, "retry-1"), env)
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/refract: stripe create: attempt 1 failed \(RateLimited\); retrying in 1\.\d s/)

    settling.injectFault({ _tag: "RateLimit", retryAfterSeconds: 1 }, { method: "POST", path: "/v1/refunds", times: 1 })
    const asJson = await run(createArgs(settling, payment, "retry-2", ["--json"]), env)
    expect(asJson.code).toBe(0)
    expect(asJson.stderr).toBe("")
    expect(JSON.parse(asJson.stdout)).toMatchObject({ merchantRefundId: "retry-2", amount: { amount: 1000, currency: "USD" } })
  })

  it("refunds wait polls until settled, each read on stderr", async () => {
    const payment = await settling.createPayment({ amount: 2500, currency: "USD" })
    const created = await run(createArgs(settling, payment, "wait-1", ["--json"]), env)
    const id = JSON.parse(created.stdout).connectorRefundId as string
    const r = await run(["refunds", "wait", "--connector", "stripe", "--base-url", settling.url, "--id", id, "--interval", "200ms", "--json"], {
      ...env
    })
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ connectorRefundId: id, simpleStatus: "SUCCEEDED" })
    const verbose = await run(["refunds", "wait", "--connector", "stripe", "--base-url", settling.url, "--id", id], env)
    expect(verbose.stderr).toMatch(/SUCCEEDED \(Succeeded, raw "succeeded"\) after 1 read/)
  })

  it("refunds wait gives up at --timeout with exit 1, and refuses webhook-only processors (exit 2)", async () => {
    const payment = await stripe.createPayment({ amount: 2500, currency: "USD" })
    const created = await run(createArgs(stripe, payment, "wait-2", ["--json"]), env)
    const id = JSON.parse(created.stdout).connectorRefundId as string
    const r = await run(["refunds", "wait", "--connector", "stripe", "--base-url", stripe.url, "--id", id, "--interval", "200ms", "--timeout", "6s"], env)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/PENDING \(Pending, raw "pending"\); next read in/)
    expect(r.stderr).toMatch(/is not settled after \d+ s/)
    const adyen = await run(["refunds", "wait", "--connector", "adyen", "--id", "X"], { ADYEN_API_KEY: "AQE_x", ADYEN_MERCHANT_ACCOUNT: "M" })
    expect(adyen.code).toBe(2)
    expect(adyen.stderr).toContain("arrive by webhook")
  })
})

describe("interrupt", () => {
  it("Ctrl-C after a create was sent says the refund may exist and how to resume; resuming gives the same refund", async () => {
    const payment = await stripe.createPayment({ amount: 2500, currency: "USD" })
    stripe.injectFault({ _tag: "Slow", delayMillis: 60_000 }, { method: "POST", path: "/v1/refunds", times: 1 })
    const args = createArgs(stripe, payment, "int-1")
    const child = start(args, env)
    let stderr = ""
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
    child.stdout.resume()
    const deadline = Date.now() + 15_000
    while (!stderr.includes("still waiting") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    expect(stderr).toContain("still waiting for an answer to POST /v1/refunds")
    child.kill("SIGINT")
    const [code] = await once(child, "close")
    expect(code).toBe(130)
    expect(stderr).toContain("the refund may exist at Stripe")
    const resume = /^ {2}(refract refunds create .*)$/m.exec(stderr)?.[1]
    expect(resume).toContain("--merchant-refund-id int-1")
    expect(stderr).toContain(`refract refunds lookup --connector stripe --payment ${payment} --merchant-refund-id int-1`)

    // The refund exists (the emulator recorded it); the held answer is released by time.
    await stripe.clock.advance(60_000)
    const again = await run(resume!.split(" ").slice(1), env)
    expect(again.code).toBe(0)
    expect(stripe.refunds().filter((r) => r.paymentId === payment)).toHaveLength(1)
    const found = await run(["refunds", "lookup", "--connector", "stripe", "--base-url", stripe.url, "--payment", payment, "--merchant-refund-id", "int-1", "--json"], env)
    expect(found.code).toBe(0)
    expect(JSON.parse(found.stdout).connectorRefundId).toBe(stripe.refunds().find((r) => r.paymentId === payment)!.id)
  })
})

describe("lookup", () => {
  it("finds a refund by merchant refund id; none is exit 1 (JSON reason NotFound)", async () => {
    const payment = await stripe.createPayment({ amount: 2500, currency: "USD" })
    await run(createArgs(stripe, payment, "look-1"), env)
    const found = await run(["refunds", "lookup", "-c", "stripe", "--base-url", stripe.url, "--payment", payment, "--merchant-refund-id", "look-1"], env)
    expect(found.code).toBe(0)
    expect(found.stdout).toMatch(/merchant refund id\s+look-1/)
    const none = await run(["refunds", "lookup", "-c", "stripe", "--base-url", stripe.url, "--payment", payment, "--merchant-refund-id", "look-x", "--json"], env)
    expect(none.code).toBe(1)
    expect(JSON.parse(none.stdout)).toMatchObject({ error: { reason: { _tag: "NotFound" }, exitCode: 1 } })
  })
})

describe("JSON errors", () => {
  it("a processor error is JSON on stdout with core's reason, the exit code, and no secret", async () => {
    const wrong = "sk_test_WrongKeyForJsonErrors"
    const r = await run(["refunds", "get", "--connector", "stripe", "--base-url", stripe.url, "--id", "re_1", "--json"], { STRIPE_API_KEY: wrong })
    expect(r.code).toBe(1)
    expect(r.stderr).toBe("")
    const body = JSON.parse(r.stdout)
    expect(body).toMatchObject({ error: { reason: { _tag: "Authentication" }, exitCode: 1, connector: "stripe", operation: "get", httpStatus: 401 } })
    expect(typeof body.error.message).toBe("string")
    expect(r.output).not.toContain(wrong)
  })

  it("usage errors and bad invocations are JSON too", async () => {
    const usage = await run(["refunds", "get", "--connector", "nope", "--id", "re_1", "--json"])
    expect(usage.code).toBe(2)
    expect(JSON.parse(usage.stdout)).toMatchObject({ error: { reason: { _tag: "UsageError" }, exitCode: 2 } })
    const bad = await run(["refunds", "get", "--connector", "stripe", "--json", "--no-such-flag"])
    expect(bad.code).toBe(2)
    expect(JSON.parse(bad.stdout)).toMatchObject({ error: { reason: { _tag: "InvalidInvocation" }, exitCode: 2 } })
  })
})

describe("messages that used to mislead", () => {
  it("a negative amount is not positive (not 'not a whole number')", async () => {
    for (const amount of [["--amount", "-5"], ["--amount=-5"]]) {
      const r = await run(["refunds", "create", "-c", "stripe", "--payment", "pi_1", ...amount, "--currency", "USD", "--merchant-refund-id", "n-1"], env)
      expect(r.code).toBe(2)
      expect(r.stderr).toContain("--amount must be greater than zero")
      expect(r.stderr).not.toContain("whole number")
    }
  })

  it("a 404 from a base URL path that is not the processor's API says the base URL looks wrong", async () => {
    const r = await run(["refunds", "get", "-c", "stripe", "--base-url", `${stripe.url}/wrong`, "--id", "re_1"], env)
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("the base URL looks wrong")
    expect(r.stderr).not.toContain("no such refund")
    // A real "no such refund" stays one.
    const missing = await run(["refunds", "get", "-c", "stripe", "--base-url", stripe.url, "--id", "re_missing"], env)
    expect(missing.stderr).toContain("no such refund")
    expect(missing.stderr).not.toContain("looks wrong")
  })

  it("the missing-key hint names flags only where the command takes them (refunds yes, serve no)", async () => {
    const refunds = await run(["refunds", "get", "-c", "stripe", "--id", "re_1"])
    expect(refunds.code).toBe(2)
    expect(refunds.stderr).toContain("STRIPE_API_KEY")
    expect(refunds.stderr).toContain("--api-key")
    const serve = await run(["serve", "--port", "0", "--host", "127.0.0.1", "--connector", "stripe"], { STRIPE_WEBHOOK_SECRET: "whsec_x" })
    expect(serve.code).toBe(2)
    expect(serve.stderr).toContain("STRIPE_API_KEY")
    expect(serve.stderr).not.toContain("--api-key")
    const help = await run(["serve", "--help"])
    expect(help.stdout).not.toContain("--api-key")
  })

  it("serve on a port in use says so and how to pick another", async () => {
    const blocker = createServer()
    blocker.listen(0, "127.0.0.1")
    await once(blocker, "listening")
    const port = (blocker.address() as AddressInfo).port
    try {
      const r = await run(["serve", "--port", String(port), "--host", "127.0.0.1", "--store", "memory", "--connector", "stripe"], {
        STRIPE_API_KEY: "sk_test_emulator",
        STRIPE_WEBHOOK_SECRET: "whsec_emulator"
      })
      expect(r.code).not.toBe(0)
      expect(r.stderr).toContain(`port ${port} is in use; pick another with --port`)
      expect(r.stderr).not.toContain("EADDRINUSE")
    } finally {
      blocker.close()
    }
  })
})

describe("emulator control commands (no curl)", () => {
  it("payment, advance, clock, webhooks, refunds against a running emulator", async () => {
    const adyen = await AdyenEmulator.start({ port: 0, settleAfterMillis: Number.POSITIVE_INFINITY })
    try {
      const base = ["--connector", "adyen", "--base-url", adyen.url]
      const payment = await run(["control", "payment", ...base, "--amount", "2500", "--currency", "EUR", "--json"])
      expect(payment.code).toBe(0)
      const paymentId = JSON.parse(payment.stdout).id as string
      expect(paymentId).toBeTruthy()
      const text = await run(["control", "payment", ...base, "--amount", "100", "--currency", "EUR"])
      expect(text.stdout).toContain("refract refunds create --connector adyen --payment")

      const adyenEnv = { ADYEN_API_KEY: adyen.credentials["apiKey"]!, ADYEN_MERCHANT_ACCOUNT: adyen.credentials["merchantAccount"]! }
      const created = await run(["refunds", "create", ...base, "--payment", paymentId, "--amount", "1000", "--currency", "EUR", "--merchant-refund-id", "ctl-1", "--json"], adyenEnv)
      expect(created.code).toBe(0)
      const refundId = JSON.parse(created.stdout).connectorRefundId as string

      const hook = await run(["control", "webhook", ...base, "--refund", refundId])
      expect(hook.code).toBe(0)
      expect(JSON.parse(hook.stdout)).toHaveProperty("body")

      const advanced = await run(["control", "advance", ...base, "--refund", refundId])
      expect(advanced.code).toBe(0)
      expect(advanced.stdout).toContain(`refund ${refundId} is now`)
      expect(adyen.refunds().find((r) => r.id === refundId)?.status).not.toBe("received")

      const before = adyen.clock.now()
      const clock = await run(["control", "clock", ...base, "--advance", "3d"])
      expect(clock.code).toBe(0)
      expect(adyen.clock.now() - before).toBeGreaterThanOrEqual(3 * 86_400_000)

      const hooks = await run(["control", "webhooks", ...base, "--to", "http://127.0.0.1:9/webhooks/adyen"])
      expect(hooks.stdout).toContain("delivered to http://127.0.0.1:9/webhooks/adyen")

      const list = await run(["control", "refunds", ...base])
      expect(list.stdout).toContain(refundId)

      // A fault from the CLI, then the retry it causes, shown as progress.
      const injected = await run(["control", "fault", ...base, "--kind", "server-error", "--method", "POST"])
      expect(injected.code).toBe(0)
      expect(injected.stdout).toContain("the next matching request gets server-error")
      const retried = await run(
        ["refunds", "create", ...base, "--payment", paymentId, "--amount", "500", "--currency", "EUR", "--merchant-refund-id", "ctl-2"],
        adyenEnv
      )
      expect(retried.code).toBe(0)
      // A 5xx to a create may have acted: core calls it OutcomeUnknown and replays under the same key.
      expect(retried.stderr).toMatch(/adyen create: attempt 1 failed \(OutcomeUnknown\); retrying in \d+ ms/)
      expect((await run(["control", "fault", ...base, "--clear"])).stdout).toContain("faults cleared")
    } finally {
      await adyen.close()
    }
  })

  it("only loopback emulators; a missing one names the command that starts it", async () => {
    const remote = await run(["control", "clock", "-c", "stripe", "--base-url", "https://api.stripe.com"])
    expect(remote.code).toBe(2)
    expect(remote.stderr).toContain("not a local emulator")
    const closed = createServer()
    closed.listen(0, "127.0.0.1")
    await once(closed, "listening")
    const port = (closed.address() as AddressInfo).port
    closed.close()
    const missing = await run(["control", "clock", "-c", "stripe", "--base-url", `http://127.0.0.1:${port}`])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain("refract emulator stripe")
  })
})
