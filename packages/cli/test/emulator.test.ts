import { describe, expect, it } from "vitest"
import { start, waitForOutput } from "./helpers.ts"

describe("refract emulator", () => {
  it("stripe --port 0: prints its URL and credentials, answers HTTP, exits 0 on SIGTERM", async () => {
    const child = start(["emulator", "stripe", "--port", "0"])
    try {
      const banner = await waitForOutput(child, /Press Ctrl-C to stop/)
      const url = /base URL\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1]
      expect(url).toBeDefined()
      expect(banner).toContain("STRIPE_API_KEY=sk_test_emulator")
      expect(banner).toContain(`${url}/__emulator`)
      expect(banner).toContain(`STRIPE_BASE_URL=${url}`)

      const info = await fetch(`${url}/__emulator`)
      expect(info.status).toBe(200)
      expect(await info.json()).toMatchObject({ name: "stripe", url })

      // The processor API answers like Stripe: a refund that does not exist is a 404 with Stripe's error body.
      const missing = await fetch(`${url}/v1/refunds/re_missing`, { headers: { authorization: "Bearer sk_test_emulator" } })
      expect(missing.status).toBe(404)
      expect(await missing.json()).toMatchObject({ error: { code: "resource_missing" } })

      const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)))
      child.kill("SIGTERM")
      expect(await exited).toBe(0)
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL")
    }
  })
})
