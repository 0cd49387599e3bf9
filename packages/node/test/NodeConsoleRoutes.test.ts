/**
 * The support console's assets over HTTP: served from memory with their content types and security
 * headers, without a token; a fixed list of names, so traversal attempts (raw `..`, encoded dots,
 * encoded slashes, backslashes) answer 404; the embedded copy is up to date with the files; and the
 * page's money, explanation and CSV functions (string math on minor units, formula-safe cells).
 */
import { assert, describe, it } from "@effect/vitest"
import { Currency } from "@refract/core"
import { NodeConsoleRoutes, NodeWebhookServer } from "@refract/node"
import { Effect, Layer, Redacted } from "effect"
import { readFileSync } from "node:fs"
import { render } from "../scripts/console-assets.ts"
import * as HookPay from "./helpers/HookPay.ts"
import * as RawHttp from "./helpers/RawHttp.ts"

const TOKEN = "rfk_test_0123456789abcdef0123456789abcdef"

const serverLayer = (options: { console?: boolean } = {}) =>
  NodeWebhookServer.layer({
    port: 0,
    host: "127.0.0.1",
    tracker: { initialDelay: "1 hour", jitter: false },
    api: { tokens: [Redacted.make(TOKEN)] },
    ...options
  }).pipe(Layer.provide(Layer.mergeAll(HookPay.registryLayer(), HookPay.processor().layer)))

const page = (() => import("../src/console/console.js" as string)) as () => Promise<any>

describe("NodeConsoleRoutes", () => {
  it("embeds the current files (run `node packages/node/scripts/console-assets.ts` after editing them)", () => {
    assert.strictEqual(readFileSync(new URL("../src/console/assets.ts", import.meta.url), "utf8"), render())
    assert.deepStrictEqual(NodeConsoleRoutes.names, ["index.html", "console.css", "console.js"])
  })

  it.live("serves the page and its assets without a token, with types, CSP, nosniff and an ETag", () =>
    Effect.gen(function*() {
      const { url } = yield* NodeWebhookServer.NodeWebhookServer
      for (const [path, type] of [["/console", "text/html"], ["/console/", "text/html"], ["/console/console.css", "text/css"], ["/console/console.js", "text/javascript"]] as const) {
        const r = yield* Effect.promise(() => fetch(`${url}${path}`))
        assert.strictEqual(r.status, 200, path)
        assert.include(r.headers.get("content-type"), type, path)
        assert.strictEqual(r.headers.get("content-security-policy"), NodeConsoleRoutes.contentSecurityPolicy)
        assert.notInclude(NodeConsoleRoutes.contentSecurityPolicy, "unsafe")
        assert.strictEqual(r.headers.get("x-content-type-options"), "nosniff")
        assert.strictEqual(r.headers.get("cache-control"), "no-cache")
        const etag = r.headers.get("etag")!
        const body = yield* Effect.promise(() => r.text())
        assert.isAbove(body.length, 100)
        const again = yield* Effect.promise(() => fetch(`${url}${path}`, { headers: { "if-none-match": etag } }))
        assert.strictEqual(again.status, 304)
      }
      const html = yield* Effect.promise(() => fetch(`${url}/console`).then((r) => r.text()))
      assert.notMatch(html, /https?:\/\//, "no external request")
      assert.notMatch(html, /<script>|<style>| style=| on[a-z]+=/, "no inline script or style")
    }).pipe(Effect.provide(serverLayer())))

  it.live("answers 404 for every other name and every traversal attempt, never reading a file", () =>
    Effect.gen(function*() {
      const { url } = yield* NodeWebhookServer.NodeWebhookServer
      const port = Number(new URL(url).port)
      const targets = [
        "/console/../package.json",
        "/console/..%2fpackage.json",
        "/console/%2e%2e/package.json",
        "/console/%2e%2e%2fpackage.json",
        "/console/%2E%2E%2F%2E%2E%2Fpackage.json",
        "/console/..%5cpackage.json",
        "/console/..\\package.json",
        "/console/%5c..%5c..%5cpackage.json",
        "/console/assets.ts",
        "/console/console.js%00",
        "/console/.%2fconsole.js",
        "/console/src/console/console.js",
        "/console/constructor",
        "/console/__proto__",
        "/console/toString",
        "/console//etc/passwd",
        "/console/%2fetc%2fpasswd",
        "/console/NodeConsoleRoutes.ts"
      ]
      for (const target of targets) {
        const r = yield* Effect.promise(() => RawHttp.exchange(port, RawHttp.head(`GET ${target} HTTP/1.1`, { Host: "127.0.0.1", Connection: "close" })))
        assert.isDefined(r, target)
        assert.strictEqual(r!.status, 404, target)
        assert.notInclude(r!.body, "\"name\"", target)
        assert.notInclude(r!.body, "root:", target)
      }
      // Writes are not served.
      const post = yield* Effect.promise(() => fetch(`${url}/console/console.js`, { method: "POST" }))
      assert.strictEqual(post.status, 404)
    }).pipe(Effect.provide(serverLayer())))

  it.live("is left out with console: false (and without the API)", () =>
    Effect.gen(function*() {
      const { url } = yield* NodeWebhookServer.NodeWebhookServer
      assert.strictEqual((yield* Effect.promise(() => fetch(`${url}/console`))).status, 404)
    }).pipe(Effect.provide(serverLayer({ console: false }))))

  it("formats money from minor units with the currency's exponent, by string math", async () => {
    const m = await page()
    for (const code of Object.keys(m.EXPONENTS)) assert.strictEqual(Currency.exponent(code)._tag, "Some", code)
    for (let a = 65; a <= 90; a++) {
      for (let b = 65; b <= 90; b++) {
        for (let c = 65; c <= 90; c++) {
          const code = String.fromCharCode(a, b, c)
          const exp = Currency.exponent(code)
          if (exp._tag === "Some") assert.strictEqual(m.EXPONENTS[code] ?? 2, exp.value, code)
        }
      }
    }
    assert.strictEqual(m.decimalOf(1000, "EUR"), "10.00")
    assert.strictEqual(m.decimalOf(5, "USD"), "0.05")
    assert.strictEqual(m.decimalOf(1000, "JPY"), "1000")
    assert.strictEqual(m.decimalOf(1000, "KWD"), "1.000")
    assert.strictEqual(m.decimalOf(9007199254740991, "EUR"), "90071992547409.91")
    assert.strictEqual(m.formatMoney({ amount: 1000, currency: "EUR" }), "€10.00")
    assert.strictEqual(m.formatMoney({ amount: 123456, currency: "JPY" }), "JP¥123,456")
    assert.strictEqual(m.formatMoney({ amount: 1500, currency: "KWD" }), "KWD\u00a01.500")
    assert.strictEqual(m.formatMoney({ amount: 1, currency: "GBP" }), "£0.01")
  })

  it("explains a refund in plain words and exports formula-safe CSV", async () => {
    const m = await page()
    const now = Date.parse("2026-12-06T12:00:00Z")
    const sent = m.explain({
      status: "Succeeded",
      amount: { amount: 1000, currency: "EUR" },
      createdAt: "2026-12-01T10:00:00.000Z",
      updatedAt: "2026-12-03T10:00:00.000Z",
      evidence: { succeeded: { status: "Succeeded", rawStatus: "succeeded", at: "2026-12-03T10:00:00.000Z" } },
      settlement: { traceReference: "74612345678901234567890", traceReferenceType: "arn" }
    }, now)
    assert.strictEqual(
      sent,
      "The refund of €10.00 was sent to the customer's bank on 3 Dec; banks usually post it within 5–10 business days; reference 74612345678901234567890. The customer's bank can find the refund with this reference."
    )
    assert.include(m.explain({ status: "Pending", stuck: true, amount: { amount: 5, currency: "USD" }, createdAt: "2025-11-01T00:00:00Z" }, now), "$0.05 was requested on 1 Nov 2025 and is taking longer than usual")
    assert.strictEqual(m.csvCell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"")
    for (const bad of ["+1", "-1", "@SUM(A1)", "\tx"]) assert.isTrue(m.csvCell(bad).startsWith("\"'"), bad)
    assert.strictEqual(m.csvCell("order-1"), "\"order-1\"")
    const csv: string = m.toCsv([{ connector: "hookpay", connectorRefundId: "re_1", merchantRefundId: "=cmd|' /C calc'!A0", amount: { amount: 1050, currency: "EUR" }, status: "Succeeded", rawStatus: "succeeded", stuck: false, createdAt: "c", updatedAt: "u" }])
    assert.strictEqual(csv.split("\r\n")[1], "\"hookpay\",\"re_1\",\"'=cmd|' /C calc'!A0\",\"\",\"10.50\",\"EUR\",\"Succeeded\",\"succeeded\",\"false\",\"c\",\"u\",\"\"")
  })
})
