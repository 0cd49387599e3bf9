/**
 * The support console in a real browser: Debian's Chromium (installed by .ci/chromium.sh when
 * missing) driven by playwright-core, against a server with the refunds API, the console and the
 * HookPay fake processor. Refused without a token, then: search, a refund's page with its timeline
 * and explanation, a webhook delivered during the test appearing live, "Sync now", copying the trace
 * reference, a CSV export, a phone-sized list, and no CSP violation or page error on the way.
 * Screenshots go to docs/support/ (docs/support.md shows them).
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Money, Refund, RefundStore, RefundTracker } from "@refract/core"
import { NodeWebhookServer } from "@refract/node"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { execFileSync } from "node:child_process"
import { mkdirSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { chromium } from "playwright-core"
import type { Browser, Page } from "playwright-core"
import * as HookPay from "./helpers/HookPay.ts"

/** The page's globals, in the functions page.evaluate and waitForFunction run in the browser (no DOM lib here). */
declare const document: any
declare const sessionStorage: any

const TOKEN = "rfk_test_console_0123456789abcdef0123456789"
const ARN = "74612345678901234567890"
const root = fileURLToPath(new URL("../../../", import.meta.url))
const shots = `${root}docs/support/`
const DAY = 86_400_000

const processor = HookPay.processor()
const runtime = ManagedRuntime.make(
  NodeWebhookServer.layer({
    port: 0,
    host: "127.0.0.1",
    tracker: { initialDelay: "1 hour", jitter: false },
    api: { tokens: [Redacted.make(TOKEN)], stuckAfterMillis: DAY }
  }).pipe(Layer.provide(Layer.mergeAll(HookPay.registryLayer(), processor.layer)))
)

/** Five refunds: three pending (created through Refract), one settled with an ARN (and a stale read refused), one stuck. */
const seed = Effect.gen(function*() {
  const tracker = yield* RefundTracker.RefundTracker
  const store = yield* RefundStore.RefundStore
  const made = []
  for (const [order, payment, amount] of [["order-1001", "pay_3Q1001", 1000], ["order-1002", "pay_3Q1002", 2599], ["order-1003", "pay_3Q1003", 4200]] as const) {
    made.push(yield* tracker.create("hookpay", { merchantRefundId: order, connectorTransactionId: payment, amount: { amount, currency: "EUR" } }))
  }
  const settled = made[0]!
  const now = Date.now() + 5
  const snapshot = (status: Refund.RefundSnapshot["status"], rawStatus: string, occurredAt: number, settlement?: Refund.Settlement) =>
    new Refund.RefundSnapshot({
      connectorRefundId: settled.connectorRefundId,
      connectorTransactionId: "pay_3Q1001",
      merchantRefundId: "order-1001",
      amount: Money.make(1000, "EUR"),
      status,
      rawStatus,
      occurredAt,
      settlement
    })
  yield* store.apply({ connector: "hookpay", source: "webhook", eventId: "evt_1001_ok", receivedAt: now, snapshot: snapshot("Succeeded", "succeeded", now, new Refund.Settlement({ traceReference: ARN, traceReferenceType: "arn" })) })
  yield* store.apply({ connector: "hookpay", source: "poll", receivedAt: now + 1, snapshot: snapshot("Pending", "pending", now - 60_000) })
  yield* store.apply({
    connector: "hookpay",
    source: "reconcile",
    receivedAt: now + 2,
    snapshot: new Refund.RefundSnapshot({
      connectorRefundId: "re_stuck_0042",
      connectorTransactionId: "pay_3Q0042",
      merchantRefundId: "order-0042",
      amount: Money.make(1250, "EUR"),
      status: "Pending",
      rawStatus: "pending",
      createdAt: now - 3 * DAY
    })
  })
  return made
})

let browser: Browser
let url: string
let webhookUrl: string
let made: ReadonlyArray<{ readonly connectorRefundId: string }>

beforeAll(async () => {
  // Installs Debian's chromium when it is missing (apt-get, as root or with sudo), or fails saying how.
  const executablePath = execFileSync("bash", [`${root}.ci/chromium.sh`], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim()
  const server = await runtime.runPromise(NodeWebhookServer.NodeWebhookServer)
  url = server.url
  webhookUrl = server.webhookUrl("hookpay")
  made = await runtime.runPromise(seed)
  browser = await chromium.launch({ executablePath, headless: true, args: ["--disable-dev-shm-usage", ...(process.getuid?.() === 0 ? ["--no-sandbox"] : [])] })
  mkdirSync(shots, { recursive: true })
}, 600_000)

afterAll(async () => {
  await browser?.close()
  await runtime.dispose()
})

/** Page errors and console errors (a CSP violation is one), except the 401s the test asks for. */
const watch = (page: Page) => {
  const errors: Array<string> = []
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`))
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of 401/.test(m.text())) errors.push(`console: ${m.text()}`)
  })
  return errors
}

const text = (page: Page, selector: string) => page.locator(selector).innerText()

describe("the support console in Chromium", () => {
  it("refuses without the token, then searches, explains, updates live, syncs, copies and exports", async () => {
    const origin = new URL(url).origin
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: "en-GB", timezoneId: "UTC", acceptDownloads: true })
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin })
    const page = await context.newPage()
    page.setDefaultTimeout(10_000)
    const errors = watch(page)

    // No token: the prompt. A wrong token: the API answers 401 and the prompt comes back, saying so.
    await page.goto(`${url}/console`)
    await page.locator("#login").waitFor()
    assert.isTrue(await page.locator("#list").isHidden())
    await page.screenshot({ path: `${shots}token.png` })
    await page.getByLabel("API token").fill("rfk_wrong_token_0123456789abcdef0123456789")
    await page.getByRole("button", { name: "Open the console" }).click()
    await page.getByText("The token was refused").waitFor()
    assert.isTrue(await page.locator("#login").isVisible())
    assert.isNull(await page.evaluate(() => sessionStorage.getItem("refract.console.token")))

    // The right token: the list, most recently updated first, the stuck refund highlighted.
    await page.getByLabel("API token").fill(TOKEN)
    await page.getByRole("button", { name: "Open the console" }).click()
    await page.locator("#results tbody tr").nth(3).waitFor()
    assert.strictEqual(await page.locator("#results tbody tr").count(), 4)
    assert.strictEqual(await page.locator("#results tbody tr.stuck").count(), 1)
    assert.include(await text(page, "#results tbody tr.stuck"), "order-0042")
    assert.include(await text(page, "#list-summary"), "1 stuck")
    await page.locator("#live-state.on").waitFor()
    await page.screenshot({ path: `${shots}list.png` })

    // Search by a payment id, by an order id; the stuck filter.
    await page.getByLabel("Order id, refund id or payment id").fill("pay_3Q1002")
    await page.getByRole("button", { name: "Search", exact: true }).click()
    await page.waitForFunction(() => document.querySelectorAll("#results tbody tr").length === 1)
    assert.include(await text(page, "#results tbody"), "order-1002")
    assert.include(await text(page, "#results tbody"), "€25.99")
    await page.getByLabel("Order id, refund id or payment id").fill("")
    await page.getByLabel("Stuck only").check()
    await page.getByRole("button", { name: "Search", exact: true }).click()
    await page.waitForFunction(() => document.querySelectorAll("#results tbody tr").length === 1 && document.querySelector("#results tbody")!.textContent!.includes("order-0042"))
    await page.getByLabel("Stuck only").uncheck()
    await page.getByLabel("Order id, refund id or payment id").fill("order-1001")
    await page.getByRole("button", { name: "Search", exact: true }).click()
    await page.waitForFunction(() => document.querySelectorAll("#results tbody tr").length === 1 && document.querySelector("#results tbody")!.textContent!.includes("order-1001"))

    // The settled refund: the explanation, the reference (copied), the timeline with a refused read.
    await page.getByRole("link", { name: "order-1001" }).click()
    await page.locator("#explanation").waitFor()
    assert.strictEqual(await page.evaluate(() => document.activeElement?.id), "detail-title")
    const explanation = await text(page, "#explanation")
    assert.match(explanation, /The refund of €10\.00 was sent to the customer's bank on \d{1,2} [A-Z][a-z]{2}; banks usually post it within 5–10 business days; reference 74612345678901234567890\./)
    assert.strictEqual(await text(page, "#trace-reference"), ARN)
    const timeline = await text(page, "#timeline")
    assert.include(timeline, "Created by us")
    assert.include(timeline, "Applied: Pending → Succeeded")
    assert.include(timeline, "Refused: older than what we already knew")
    assert.include(timeline, "event evt_1001_ok")
    await page.getByRole("button", { name: "Copy reference" }).click()
    await page.getByText("Copied", { exact: true }).waitFor()
    assert.strictEqual(await page.evaluate(() => (globalThis as any).navigator.clipboard.readText()), ARN)
    await page.screenshot({ path: `${shots}refund.png`, fullPage: true })

    // Another refund's page; a webhook delivered now moves it, and the page follows live.
    const live = made[1]!.connectorRefundId
    await page.goto(`${url}/console#/refund/hookpay/${live}`)
    await page.locator("#explanation").waitFor()
    await page.locator("#live-state.on").waitFor()
    assert.include(await text(page, "#explanation"), "the payment processor is processing it")
    const webhook = HookPay.delivery([HookPay.event("evt_live_1", HookPay.refund({ id: live, status: "succeeded", amount: 2599, currency: "EUR", payment: "pay_3Q1002" }))])
    const delivered = await fetch(webhookUrl, { method: "POST", headers: webhook.headers, body: new Uint8Array(webhook.body) })
    assert.strictEqual(delivered.status, 200)
    await page.waitForFunction(() => document.querySelector("#explanation")?.textContent?.includes("was sent to the customer's bank"))
    assert.include(await text(page, "#timeline"), "Processor notification (webhook)")
    assert.include(await text(page, "#timeline"), "event evt_live_1")
    await page.waitForFunction(() => document.querySelector("#announcer")?.textContent?.includes("order-1002 is now Succeeded"))
    await page.screenshot({ path: `${shots}live.png`, fullPage: true })

    // Sync now: the processor has moved a refund; the button reads it and the page shows it.
    const synced = made[2]!.connectorRefundId
    processor.set(synced, "failed")
    await page.goto(`${url}/console#/refund/hookpay/${synced}`)
    await page.getByRole("button", { name: "Sync now" }).click()
    await page.getByText("Updated: now Failed").waitFor()
    // The note shows as soon as the sync answers; the page re-renders from a fresh read right after.
    await page.locator("#explanation", { hasText: "could not be completed" }).waitFor({ timeout: 5_000 })
    assert.include(await text(page, "#explanation"), "could not be completed")

    // CSV of the current list (every refund), formula-safe.
    await page.getByRole("link", { name: "Back to the list" }).click()
    await page.getByLabel("Order id, refund id or payment id").fill("")
    await page.getByRole("button", { name: "Search", exact: true }).click()
    await page.locator("#results tbody tr").nth(3).waitFor()
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export CSV" }).click()])
    assert.match(download.suggestedFilename(), /^refunds-\d{4}-\d{2}-\d{2}\.csv$/)
    const csv = readFileSync((await download.path())!, "utf8").split("\r\n")
    assert.strictEqual(csv[0], "\"connector\",\"connectorRefundId\",\"merchantRefundId\",\"connectorTransactionId\",\"amount\",\"currency\",\"status\",\"rawStatus\",\"stuck\",\"createdAt\",\"updatedAt\",\"traceReference\"")
    assert.strictEqual(csv.filter((line) => line.startsWith("\"hookpay\"")).length, 4)
    const row1001 = csv.find((line) => line.includes("\"order-1001\""))!
    assert.include(row1001, `"10.00","EUR","Succeeded","succeeded","false"`)
    assert.isTrue(row1001.endsWith(`"${ARN}"`))
    assert.include(csv.find((line) => line.includes("order-0042"))!, `"12.50","EUR","Pending","pending","true"`)

    // Keyboard: a view change moves focus to its heading; the next Tab stop is the search box, and Enter searches.
    await page.reload()
    await page.locator("#results tbody tr").first().waitFor()
    assert.strictEqual(await page.evaluate(() => document.activeElement?.id), "list-title")
    await page.keyboard.press("Tab")
    assert.strictEqual(await page.evaluate(() => document.activeElement?.id), "q")
    await page.keyboard.type("order-0042")
    await page.keyboard.press("Enter")
    await page.waitForFunction(() => document.querySelectorAll("#results tbody tr").length === 1)

    assert.deepStrictEqual(errors, [])
    await context.close()
  }, 60_000)

  it("fits a phone, and keeps the token to the tab", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: "en-GB", timezoneId: "UTC" })
    const page = await context.newPage()
    page.setDefaultTimeout(10_000)
    const errors = watch(page)
    await page.goto(`${url}/console`)
    await page.getByLabel("API token").fill(TOKEN)
    await page.getByRole("button", { name: "Open the console" }).click()
    await page.locator("#results tbody tr").nth(3).waitFor()
    assert.isAtMost(await page.evaluate(() => document.documentElement.scrollWidth), 390, "no sideways scrolling")
    await page.screenshot({ path: `${shots}phone.png` })
    // A new tab (same context) asks again: sessionStorage is per tab.
    const other = await context.newPage()
    await other.goto(`${url}/console`)
    await other.locator("#login").waitFor()
    assert.deepStrictEqual(errors, [])
    await context.close()
  }, 30_000)

  it("the API refuses the console's calls over HTTP without the token, with a wrong one, and with it in the URL", async () => {
    assert.strictEqual((await fetch(`${url}/refunds?q=order-1001`)).status, 401)
    assert.strictEqual((await fetch(`${url}/refunds`, { headers: { authorization: "Bearer rfk_wrong_0123456789abcdef0123456789abcdef" } })).status, 401)
    assert.strictEqual((await fetch(`${url}/refunds/events`, { headers: { authorization: "Basic x" } })).status, 401)
    const inUrl = await fetch(`${url}/refunds?token=${TOKEN}`)
    assert.strictEqual(inUrl.status, 400)
    assert.notInclude(await inUrl.text(), TOKEN)
    assert.strictEqual((await fetch(`${url}/console/%2e%2e/%2e%2e/package.json`)).status, 404)
  })
})
