import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import * as Registry from "@refract/cli/registry"
import { run } from "./helpers.ts"

/** The generated docs page; the lead commits it from `refract connectors --markdown`. */
const docsPage = fileURLToPath(new URL("../../../docs/connectors/README.md", import.meta.url))

describe.concurrent("refract connectors", () => {
  it("--json describes every installed connector from its connector value", async () => {
    const r = await run(["connectors", "--json"])
    expect(r.code).toBe(0)
    const list = JSON.parse(r.stdout) as ReadonlyArray<any>
    expect(list.map((c) => c.id)).toEqual(["stripe", "adyen", "paypal", "checkout", "razorpay", "square", "mercadopago", "paddle", "braintree", "mollie", "gocardless", "authorizenet"])
    const [stripe, adyen] = list
    expect(stripe.capabilities).toMatchObject({ create: true, get: true, webhooks: true })
    expect(adyen.capabilities).toMatchObject({ create: true, get: false, webhooks: true })
    expect(stripe.credentials.map((f: any) => f.env)).toContain("STRIPE_API_KEY")
    expect(adyen.credentials.map((f: any) => f.env)).toEqual(expect.arrayContaining(["ADYEN_API_KEY", "ADYEN_MERCHANT_ACCOUNT"]))
    expect(stripe.credentials.find((f: any) => f.name === "apiKey")).toMatchObject({ secret: true, optional: false })
    expect(Object.keys(stripe.environments)).toEqual(["sandbox", "production"])
    expect(adyen.webhooks.secrets.map((f: any) => f.env)).toEqual(["ADYEN_HMAC_KEY"])
    expect(stripe.emulator).toBe(true)
  })

  it("text lists capabilities, environments and credential variables", async () => {
    const r = await run(["connectors"])
    expect(r.code).toBe(0)
    for (const s of ["stripe  Stripe", "adyen  Adyen", "STRIPE_API_KEY", "ADYEN_MERCHANT_ACCOUNT", "does not support", "status read"]) {
      expect(r.stdout).toContain(s)
    }
  })

  it("--markdown prints core's capability matrix page for the installed connectors", async () => {
    const r = await run(["connectors", "--markdown"])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^# Connectors\n/)
    expect(r.stdout).toContain("| | [Adyen](adyen.md) | ")
    expect(r.stdout).toMatch(/^\| Status endpoint \(get\) \| no: webhooks only \| yes \|/m)
    // One column per installed connector; PayPal's says OAuth2, Stripe's static headers.
    const row = (label: string) => r.stdout.split("\n").find((line) => line.startsWith(label === "" ? "| | " : `| ${label} | `))!.slice(0, -2).split(" | ").slice(1)
    const columns = row("")
    // Sorted by id, one per installed connector.
    expect(columns.map((c) => /\((\w+)\.md\)$/.exec(c)?.[1])).toEqual(Registry.ids.toSorted())
    expect(columns.length).toBe(Registry.ids.length)
    const auth = row("Authentication")
    expect(auth[columns.findIndex((c) => c.startsWith("[PayPal]"))]).toMatch(/^OAuth2 access token \(cached, refreshed on 401\)/)
    expect(auth[columns.findIndex((c) => c.startsWith("[Stripe]"))]).toMatch(/^static headers/)
    expect(r.stdout).toContain("`STRIPE_API_KEY` secret → apiKey")
  })

  it("docs/connectors/README.md is what --markdown prints (regenerate it when this fails)", async () => {
    const r = await run(["connectors", "--markdown"])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(readFileSync(docsPage, "utf8"))
  })
})
