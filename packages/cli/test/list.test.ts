/**
 * `refract refunds list` reads the PostgreSQL store `refract serve` keeps (`bash .ci/postgres.sh`
 * starts the test database): the unsettled refunds, text and JSON; without a database it says
 * what to set.
 */
import { execFileSync } from "node:child_process"
import { Money, Refund, RefundStore } from "@refract/core"
import * as StoreConfig from "@refract/store-pg/StoreConfig"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { run } from "./helpers.ts"

const url = process.env["REFRACT_TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test"
const schema = `refract_test_cli_list_${process.pid}_${Date.now().toString(36)}`

const observe = (connector: string, id: string, status: "Pending" | "Succeeded", merchantRefundId: string) => ({
  connector,
  snapshot: new Refund.RefundSnapshot({
    connectorRefundId: id,
    status,
    rawStatus: status.toLowerCase(),
    merchantRefundId,
    amount: Money.make(700, "USD")
  }),
  source: "poll" as const,
  receivedAt: Date.now()
})

beforeAll(async () => {
  await Effect.runPromise(
    Effect.gen(function*() {
      const store = yield* RefundStore.RefundStore
      yield* store.apply(observe("stripe", "re_listpending", "Pending", "list-1"))
      yield* store.apply(observe("stripe", "re_listdone", "Succeeded", "list-2"))
      yield* store.apply(observe("paypal", "PAYPALPENDING1", "Pending", "list-3"))
    }).pipe(Effect.provide(StoreConfig.layer({ url, schema })))
  )
}, 60_000)

afterAll(() => {
  try {
    execFileSync("psql", [url, "-qc", `DROP SCHEMA IF EXISTS "${schema}" CASCADE`], { stdio: "ignore" })
  } catch {
    // The schema name is unique to this run; a leftover one harms nothing.
  }
})

describe("refunds list", () => {
  it("lists the unsettled refunds of the store, per connector, as text and JSON", async () => {
    const env = { REFRACT_DATABASE_URL: url, REFRACT_DATABASE_SCHEMA: schema }
    const text = await run(["refunds", "list", "--connector", "stripe"], env)
    expect(text.code).toBe(0)
    expect(text.stdout).toContain("stripe re_listpending")
    expect(text.stdout).toContain("merchant refund id list-1")
    expect(text.stdout).not.toContain("re_listdone")
    expect(text.stdout).not.toContain("PAYPALPENDING1")

    const all = await run(["refunds", "list", "--json"], env)
    expect(all.code).toBe(0)
    const ids = (JSON.parse(all.stdout) as Array<{ connectorRefundId: string; amount: unknown }>).map((r) => r.connectorRefundId).toSorted()
    expect(ids).toEqual(["PAYPALPENDING1", "re_listpending"])
    expect(JSON.parse(all.stdout)[0].amount).toEqual({ amount: 700, currency: "USD" })
    expect(all.output).not.toContain("postgres://")
  }, 60_000)

  it("without a database it says what to set (exit 2)", async () => {
    const r = await run(["refunds", "list"])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("REFRACT_DATABASE_URL")
  })
})
