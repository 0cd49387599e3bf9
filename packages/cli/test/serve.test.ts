/**
 * `refract serve` receives and records signed webhooks from `refract emulator`: two CLI processes,
 * real HTTP on loopback, the Stripe emulator signing exactly as Stripe does.
 */
import { connect } from "node:net"
import { describe, expect, it } from "vitest"
import { run, start, waitForOutput } from "./helpers.ts"

/** Sends raw bytes on a new TCP connection and resolves with the first status code answered (0 if none). */
const rawStatus = (port: number, bytes: string): Promise<number> =>
  new Promise((resolve) => {
    let data = ""
    const socket = connect({ port, host: "127.0.0.1" }, () => socket.write(bytes))
    const done = () => {
      socket.destroy()
      resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0))
    }
    socket.setEncoding("latin1")
    socket.on("data", (chunk: string) => {
      data += chunk
      if (data.includes("\r\n\r\n")) done()
    })
    socket.on("error", done)
    socket.on("close", done)
  })

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

      server = start(["serve", "--port", "0", "--host", "127.0.0.1", "--store", "memory"], env)
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

  it("survives hostile requests over raw TCP (Host: [, //[, /webhooks/%E0%A4%A, garbage, 2 MiB) and keeps serving", async () => {
    // No --host: the default is loopback only.
    const server = start(["serve", "--port", "0", "--store", "memory"], { STRIPE_API_KEY: "sk_test_abc", STRIPE_WEBHOOK_SECRET: "whsec_test_abc" })
    try {
      const banner = await waitForOutput(server, /Press Ctrl-C to stop/)
      const port = Number(/listening\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(banner)![1])
      const post = (target: string, host: string, body = "{}") =>
        `POST ${target} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: ${body.length}\r\n\r\n${body}`
      expect(await rawStatus(port, post("/webhooks/stripe", "["))).toBe(400)
      expect(await rawStatus(port, post("//[", "127.0.0.1"))).toBe(404)
      expect(await rawStatus(port, post("/webhooks/%E0%A4%A", "127.0.0.1"))).toBe(404)
      expect(await rawStatus(port, "\x16\x03\x01garbage\r\n\r\n")).toBe(400)
      expect(await rawStatus(port, post("/webhooks/stripe", "127.0.0.1", "x".repeat(2 * 1024 * 1024)))).toBe(413)
      expect(await rawStatus(port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")).toBe(200)
      expect(server.exitCode).toBeNull()
    } finally {
      server.kill("SIGKILL")
    }
  }, 60_000)

  it("refuses to start when selected connectors are misconfigured, naming each and its variable, never the value", async () => {
    const result = await run(["serve", "--port", "0", "--host", "127.0.0.1"], {
      STRIPE_API_KEY: "sk_test_abc",
      STRIPE_WEBHOOK_SECRET: "not-a-whsec-VALUE-1",
      ADYEN_API_KEY: "AQEyhmfxK4_test_key",
      ADYEN_MERCHANT_ACCOUNT: "TestMerchantECOM",
      ADYEN_HMAC_KEY: "zz-not-hex-VALUE-2"
    })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/not starting: 2 connectors are misconfigured/)
    expect(result.stderr).toMatch(/stripe: .*signingSecret is malformed.*STRIPE_WEBHOOK_SECRET/)
    expect(result.stderr).toMatch(/adyen: .*hmacKey is malformed.*ADYEN_HMAC_KEY/)
    expect(result.output).not.toContain("not-a-whsec-VALUE-1")
    expect(result.output).not.toContain("zz-not-hex-VALUE-2")
    expect(result.stdout).not.toContain("Press Ctrl-C to stop")
  })

  it("refuses to start without any webhook secret, naming the variables", async () => {
    const result = await run(["serve", "--port", "0"])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("STRIPE_WEBHOOK_SECRET")
    expect(result.stderr).toContain("ADYEN_HMAC_KEY")
  })

  it("checks the tracking and cluster flags before starting (exit 2, nothing bound)", async () => {
    const env = { STRIPE_API_KEY: "sk_test_abc", STRIPE_WEBHOOK_SECRET: "whsec_abc" }
    const cases: ReadonlyArray<readonly [ReadonlyArray<string>, RegExp]> = [
      [["--cluster", "--store", "memory"], /--cluster needs the PostgreSQL every runner shares/],
      [["--cluster", "--database-url", "postgres://u@127.0.0.1:1/db", "--runner-port", "70000"], /--runner-port must be between 1 and 65535/],
      [["--store", "memory", "--stuck-after", "soon"], /--stuck-after must be a duration/],
      [["--store", "memory", "--poll-initial-delay", "0"], /--poll-initial-delay must be a duration/],
      [["--store", "memory", "--recheck-every", "5 parsecs"], /--recheck-every must be a duration/],
      [["--store", "memory", "--retain-for", "1w"], /--retain-for must be a duration/],
      [["--store", "memory", "--api-token-check"], /REFRACT_API_TOKEN: API tokens must be at least 32 characters/]
    ]
    for (const [flags, message] of cases) {
      const apiCheck = flags.includes("--api-token-check")
      const result = await run(
        ["serve", "--port", "0", "--connector", "stripe", ...flags.filter((f) => f !== "--api-token-check")],
        apiCheck ? { ...env, REFRACT_API_TOKEN: "too-short-TOKEN-VALUE" } : env
      )
      if (apiCheck) expect(result.output).not.toContain("too-short-TOKEN-VALUE")
      expect(result.code, `${flags.join(" ")}: ${result.output}`).toBe(2)
      expect(result.stderr).toMatch(message)
      expect(result.stdout).not.toContain("Press Ctrl-C to stop")
    }
  }, 60_000)
})
