/**
 * `refract serve` receives and records signed webhooks from `refract emulator`: two CLI processes,
 * real HTTP on loopback, the Stripe emulator signing exactly as Stripe does.
 */
import { describe, expect, it } from "vitest"
import { run, start, waitForOutput } from "./helpers.ts"

const json = async (url: string, init?: RequestInit) => {
  const response = await fetch(url, { ...init, headers: { "content-type": "application/json", ...init?.headers } })
  return { status: response.status, body: await response.json() as any }
}

/** Waits until `check` holds, polling (output may already have arrived before the wait starts). */
const until = async (check: () => boolean, what: string, timeoutMillis = 15_000) => {
  const deadline = Date.now() + timeoutMillis
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

describe("refract serve", () => {
  it("records a signed webhook from refract emulator, refuses a tampered one, stops on SIGTERM", async () => {
    const emulator = start(["emulator", "stripe", "--port", "0"])
    let server: ReturnType<typeof start> | undefined
    try {
      const banner = await waitForOutput(emulator, /Press Ctrl-C to stop/)
      const url = /base URL\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(banner)![1]!
      const secret = /STRIPE_WEBHOOK_SECRET=(whsec_\S+)/.exec(banner)![1]!
      const env = { STRIPE_API_KEY: "sk_test_emulator", STRIPE_BASE_URL: url, STRIPE_WEBHOOK_SECRET: secret }

      server = start(["serve", "--port", "0", "--host", "127.0.0.1"], env)
      let serverOutput = ""
      server.stdout.setEncoding("utf8").on("data", (d: string) => (serverOutput += d))
      const serverBanner = await waitForOutput(server, /Press Ctrl-C to stop/)
      const serverUrl = /listening\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(serverBanner)![1]!
      expect(serverBanner).toContain(`POST ${serverUrl}/webhooks/stripe`)
      expect(serverBanner).toContain("in memory")
      expect(serverBanner).not.toContain(secret)

      expect((await json(`${url}/__emulator/webhook-url`, { method: "PUT", body: JSON.stringify({ url: `${serverUrl}/webhooks/stripe` }) })).status).toBe(200)
      const payment = (await json(`${url}/__emulator/payments`, { method: "POST", body: JSON.stringify({ amount: 5000, currency: "USD" }) })).body.id as string

      const created = await run(
        ["refunds", "create", "--connector", "stripe", "--payment", payment, "--amount", "1500", "--currency", "USD", "--merchant-refund-id", "serve-1", "--json"],
        env
      )
      expect(created.code, created.stderr).toBe(0)
      const refundId = JSON.parse(created.stdout).connectorRefundId as string

      // The emulator delivers refund.created at once; the server records it (an unknown refund is recorded, not dropped).
      await until(() => new RegExp(`${refundId}\\s+\\(new\\) -> Pending .*via webhook`).test(serverOutput), "the refund.created webhook")
      await json(`${url}/__emulator/refunds/${refundId}/advance`, { method: "POST" })
      await until(() => new RegExp(`${refundId}\\s+Pending -> Succeeded`).test(serverOutput), "the refund to settle")

      const deliveries = (await json(`${url}/__emulator/webhooks`)).body.data as Array<{ status?: number; accepted: boolean; refundId: string }>
      const ours = deliveries.filter((d) => d.refundId === refundId)
      expect(ours.length).toBeGreaterThan(0)
      expect(ours.every((d) => d.status === 200 && d.accepted)).toBe(true)

      // A tampered delivery is refused and changes nothing.
      const signed = (await json(`${url}/__emulator/refunds/${refundId}/webhook?tamper=true`)).body as { headers: Record<string, string>; body: string }
      const tampered = await fetch(`${serverUrl}/webhooks/stripe`, { method: "POST", headers: signed.headers, body: signed.body })
      expect(tampered.status).toBe(401)

      const exited = new Promise<number | null>((resolve) => server!.on("close", (code) => resolve(code)))
      server.kill("SIGTERM")
      expect(await exited).toBe(0)
    } finally {
      if (server !== undefined && server.exitCode === null) server.kill("SIGKILL")
      emulator.kill("SIGKILL")
    }
  }, 60_000)

  it("refuses to start without any webhook secret, naming the variables", async () => {
    const result = await run(["serve", "--port", "0"])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("STRIPE_WEBHOOK_SECRET")
    expect(result.stderr).toContain("ADYEN_HMAC_KEY")
  })
})
