/**
 * "listpay": fakepay with a refund listing and a settlement report, for testing the Reconciler
 * without a real connector. Its processor side is a plain array answered by a scripted HttpClient:
 * `GET /refunds?created_gte=&created_lt=&limit=&offset=` (seconds; newest first; cursor = offset),
 * which can repeat refunds across pages and fail on demand.
 */
import { Effect, Option, Result } from "effect"
import { Connector, Money, ProcessorHttp, Refund, RefundError } from "@refract/core"
import { fakeConnector, snapshotOf } from "./FakeConnector.ts"
import * as ScriptedHttp from "./ScriptedHttp.ts"

export interface WireRefund {
  readonly id: string
  readonly status: string
  readonly amount: number
  readonly currency: string
  readonly payment: string
  readonly merchant_refund_id?: string
  /** Unix seconds. */
  readonly created: number
  readonly arn?: string
}

const listSnapshot = (w: WireRefund) => {
  const s = snapshotOf(w)
  return new Refund.RefundSnapshot({
    ...s,
    createdAt: w.created * 1000,
    settlement: w.arn === undefined ? undefined : new Refund.Settlement({ traceReference: w.arn, traceReferenceType: "arn" })
  })
}

export const listPay: Connector.Connector = {
  ...fakeConnector,
  id: "listpay",
  displayName: "ListPay",
  capabilities: { ...fakeConnector.capabilities, list: true, reports: true },
  list: {
    maxPageSize: 50,
    lagMillis: 60_000,
    page: {
      build: (request) =>
        Result.succeed<ProcessorHttp.ProcessorRequest>({
          method: "GET",
          path: "/refunds",
          query: {
            created_gte: String(request.window.from / 1000),
            created_lt: String(request.window.to / 1000),
            limit: String(request.pageSize),
            ...(request.cursor !== undefined ? { offset: request.cursor } : {})
          }
        }),
      parse: (response) => {
        const body = ProcessorHttp.parseJson(response.body) as { data?: Array<WireRefund>; next?: string } | undefined
        if (body?.data === undefined) return Result.fail(new RefundError.UnexpectedResponse({ message: "not a list" }))
        return Result.succeed({ refunds: body.data.map(listSnapshot), ...(body.next !== undefined ? { next: body.next } : {}) })
      }
    }
  },
  report: {
    name: "ListPay settlement report",
    columns: (header) => {
      const at = (name: string) => header.indexOf(name)
      const cols = { id: at("refund_id"), ref: at("merchant_ref"), type: at("type"), amount: at("amount"), currency: at("currency"), batch: at("batch") }
      if (Object.values(cols).some((i) => i < 0)) return Result.fail("missing columns")
      return Result.succeed((cells) => {
        const type = cells[cols.type]
        if (type === "payment") return Result.succeed(Option.none())
        if (type !== "refund" && type !== "reversal") return Result.fail(`unknown type ${type}`)
        const amount = Money.fromDecimalString(cells[cols.amount]!, cells[cols.currency]!)
        if (Result.isFailure(amount)) return Result.fail("bad amount")
        return Result.succeed(Option.some(
          new Refund.RefundSnapshot({
            connectorRefundId: cells[cols.id]!,
            merchantRefundId: cells[cols.ref] === "" ? undefined : cells[cols.ref],
            amount: amount.success,
            status: type === "refund" ? "Succeeded" : "Reversed",
            rawStatus: type,
            settlement: new Refund.Settlement({ batchId: cells[cols.batch] })
          })
        ))
      })
    }
  }
}

export interface Processor {
  /** The processor's refunds; tests edit it freely. */
  readonly refunds: Array<WireRefund>
  readonly script: ScriptedHttp.Script
  /** Pages served so far. */
  pages: number
  /** Serve a 500 for the page requests whose 1-based number is in here. */
  readonly failPages: Set<number>
  /** Repeat the previous page's last refund at the start of each page (an eventually consistent list). */
  repeat: boolean
}

/** A listpay processor answering from `refunds`. */
export const processor = (refunds: Array<WireRefund> = []): Processor => {
  const state: Processor = { refunds, script: undefined as never, pages: 0, failPages: new Set(), repeat: false }
  const script = ScriptedHttp.make((request) => {
    const url = new URL(request.url)
    if (url.pathname !== "/v1/refunds") return { status: 404, body: { error: { code: "not_found", message: "no route" } } }
    state.pages++
    if (state.failPages.has(state.pages)) return { status: 500, body: { error: { code: "boom", message: "internal" } } }
    const gte = Number(url.searchParams.get("created_gte"))
    const lt = Number(url.searchParams.get("created_lt"))
    const limit = Number(url.searchParams.get("limit"))
    const offset = Number(url.searchParams.get("offset") ?? "0")
    const inWindow = state.refunds
      .filter((r) => r.created >= gte && r.created < lt)
      .toSorted((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1))
    const start = state.repeat && offset > 0 ? offset - 1 : offset
    const data = inWindow.slice(start, offset + limit)
    const next = offset + limit < inWindow.length ? String(offset + limit) : undefined
    return { status: 200, body: { data, ...(next !== undefined ? { next } : {}) } }
  })
  return Object.assign(state, { script })
}

/** Lets a test run an effect with the processor's HttpClient. */
export const provide = (p: Processor) => <A, E, R>(effect: Effect.Effect<A, E, R>) => effect.pipe(Effect.provide(p.script.layer))
