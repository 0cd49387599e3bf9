// Refract support console: plain JavaScript, no framework, no build step, no request anywhere but
// this server's own refunds API (served with a Content-Security-Policy of 'self' only).
// The API token is kept in sessionStorage (this tab only) and sent as a Bearer header; a 401 forgets
// it and asks again. Live updates read the SSE stream with fetch (EventSource cannot send headers).

const TOKEN_KEY = "refract.console.token"
const API = "/refunds"
const PAGE = 50

// Minor-unit exponents that are not 2 (ISO 4217; a test keeps this equal to @refract/core's table).
export const EXPONENTS = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0,
  VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4
}

const STATUS_TEXT = {
  Pending: "Pending", RequiresAction: "Requires action", Succeeded: "Succeeded",
  Failed: "Failed", Cancelled: "Cancelled", Reversed: "Reversed", Unknown: "Unknown"
}
const SOURCE_TEXT = { create: "Created by us", poll: "Checked with the processor", webhook: "Processor notification (webhook)", reconcile: "Reconciliation" }

// ---- money and dates (exported for tests) ----

/** Minor units to an exact decimal string by string math: (1050, "EUR") → "10.50"; never a float. */
export const decimalOf = (minor, currency) => {
  const exp = Object.hasOwn(EXPONENTS, currency) ? EXPONENTS[currency] : 2
  const text = String(minor)
  if (!/^-?\d+$/.test(text)) return undefined
  const negative = text.startsWith("-")
  const digits = (negative ? text.slice(1) : text).padStart(exp + 1, "0")
  const whole = digits.slice(0, digits.length - exp).replace(/^0+(?=\d)/, "")
  return (negative ? "-" : "") + (exp === 0 ? whole : `${whole}.${digits.slice(digits.length - exp)}`)
}

/** "€10.50", "¥1,000", "1.000 KWD"… Intl formats the decimal string as a string (exact), not a number. */
export const formatMoney = (money) => {
  if (money == null) return "an unknown amount"
  const decimal = decimalOf(money.amount, money.currency)
  if (decimal === undefined) return `${money.amount} ${money.currency} (minor units)`
  const exp = Object.hasOwn(EXPONENTS, money.currency) ? EXPONENTS[money.currency] : 2
  try {
    return new Intl.NumberFormat("en-GB", { style: "currency", currency: money.currency, minimumFractionDigits: exp, maximumFractionDigits: exp }).format(decimal)
  } catch {
    return `${decimal} ${money.currency}`
  }
}

const dayFormat = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short" })
const dayYearFormat = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric" })
const timeFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "medium" })
const toMillis = (t) => (typeof t === "number" ? t : typeof t === "string" ? Date.parse(t) : Number.NaN)
export const formatDay = (t, now = Date.now()) => {
  const ms = toMillis(t)
  if (Number.isNaN(ms)) return "an unknown date"
  return new Date(ms).getFullYear() === new Date(now).getFullYear() ? dayFormat.format(ms) : dayYearFormat.format(ms)
}
const formatTime = (t) => {
  const ms = toMillis(t)
  return Number.isNaN(ms) ? "—" : timeFormat.format(ms)
}

/** What a support agent can read to the customer. */
export const explain = (refund, now = Date.now()) => {
  const amount = formatMoney(refund.amount)
  const ev = refund.evidence ?? {}
  const ref = refund.settlement?.traceReference
  const refText = ref ? `; reference ${ref}` : ""
  const created = formatDay(refund.createdAt, now)
  switch (refund.status) {
    case "Succeeded": {
      const sent = formatDay(ev.succeeded?.at ?? refund.statusAt ?? refund.updatedAt, now)
      return `The refund of ${amount} was sent to the customer's bank on ${sent}; banks usually post it within 5–10 business days${refText}.` +
        (ref ? " The customer's bank can find the refund with this reference." : "")
    }
    case "Pending":
      return refund.stuck
        ? `The refund of ${amount} was requested on ${created} and is taking longer than usual at the payment processor. We are looking into it; no action is needed from the customer.`
        : `The refund of ${amount} was requested on ${created} and the payment processor is processing it. Once it is sent, banks usually post it within 5–10 business days.`
    case "RequiresAction":
      return `The refund of ${amount} was requested on ${created} and needs an action from our side before the processor can send it. We will take care of it; no action is needed from the customer.`
    case "Failed": {
      const why = refund.failure?.message ?? refund.reason
      return `The refund of ${amount} could not be completed${why ? ` (${why})` : ""}, so no money was sent. We will arrange another way to refund the customer.`
    }
    case "Cancelled":
      return `The refund of ${amount} was cancelled on ${formatDay(refund.statusAt ?? refund.updatedAt, now)} before any money was sent.`
    case "Reversed":
      return `The refund of ${amount} was sent, then returned by the customer's bank on ${formatDay(refund.statusAt ?? refund.updatedAt, now)}${refText}. The money is back with us; we will arrange another way to refund the customer.`
    default:
      return `We do not know the state of the refund of ${amount} yet.`
  }
}

/** One history entry's transition in words. */
export const transitionText = (entry) => {
  const from = STATUS_TEXT[entry.statusBefore] ?? entry.statusBefore
  const to = STATUS_TEXT[entry.statusAfter] ?? entry.statusAfter
  switch (entry.transition) {
    case "Applied": return entry.statusBefore === undefined ? `Applied: recorded as ${to}` : `Applied: ${from} → ${to}`
    case "Unchanged": return `No change: still ${to ?? from}`
    case "Stale": return `Refused: older than what we already knew (kept ${to ?? from})`
    case "Unrecognised": return `Refused: the processor's status "${entry.rawStatus}" is not one we recognise (kept ${to ?? from ?? "the last known status"})`
    case "Rejected": return `Refused: ${STATUS_TEXT[entry.observedStatus] ?? entry.observedStatus} cannot follow ${from} (kept ${to ?? from})`
    default: return entry.transition
  }
}

/** CSV with every cell quoted and formula-looking cells (= + - @, tab, CR) prefixed with a quote. */
export const csvCell = (value) => {
  let text = value == null ? "" : String(value)
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`
  return `"${text.replaceAll("\"", "\"\"")}"`
}
export const CSV_COLUMNS = ["connector", "connectorRefundId", "merchantRefundId", "connectorTransactionId", "amount", "currency", "status", "rawStatus", "stuck", "createdAt", "updatedAt", "traceReference"]
export const toCsv = (refunds) =>
  [CSV_COLUMNS, ...refunds.map((r) => [
    r.connector, r.connectorRefundId, r.merchantRefundId, r.connectorTransactionId,
    r.amount ? decimalOf(r.amount.amount, r.amount.currency) : "", r.amount?.currency, r.status, r.rawStatus,
    r.stuck ? "true" : "false", r.createdAt, r.updatedAt, r.settlement?.traceReference
  ])].map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n"

// ---- the page (only in a browser) ----

const $ = (id) => document.getElementById(id)
/** Elements from data only: text nodes, never HTML. */
const h = (tag, attrs = {}, ...children) => {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue
    if (k === "class") el.className = v
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v)
    else el.setAttribute(k, v === true ? "" : v)
  }
  for (const c of children.flat()) if (c != null && c !== false) el.append(c instanceof Node ? c : String(c))
  return el
}
const show = (el, on) => { el.hidden = !on }
const refundHref = (r) => `#/refund/${encodeURIComponent(r.connector)}/${encodeURIComponent(r.connectorRefundId)}`


if (typeof document !== "undefined") {
  const announce = (text) => { $("announcer").textContent = ""; setTimeout(() => { $("announcer").textContent = text }, 30) }

  const state = { refunds: [], next: undefined, query: new URLSearchParams(), detail: undefined, live: undefined, syncNote: undefined }
  const token = () => sessionStorage.getItem(TOKEN_KEY)

  class Unauthorized extends Error {}
  const api = async (path, init = {}) => {
    const t = token()
    if (!t) throw new Unauthorized()
    const response = await fetch(path, { ...init, headers: { ...init.headers, authorization: `Bearer ${t}` }, cache: "no-store", credentials: "omit" })
    if (response.status === 401) throw new Unauthorized()
    const body = response.headers.get("content-type")?.includes("json") ? await response.json() : undefined
    if (!response.ok) {
      const message = response.status === 429
        ? "Too many refused attempts from this address; wait a minute and try again."
        : body?.message ?? body?.error ?? `The server answered ${response.status}.`
      throw new Error(message)
    }
    return body
  }

  const signOut = (message) => {
    sessionStorage.removeItem(TOKEN_KEY)
    state.live?.abort()
    state.live = undefined
    show($("list"), false); show($("detail"), false); show($("sign-out"), false); show($("live-state"), false)
    show($("login"), true)
    $("login-error").textContent = message ?? ""
    show($("login-error"), Boolean(message))
    $("token").value = ""
    $("token").focus()
  }
  const failed = (where) => (error) => {
    if (error instanceof Unauthorized) return signOut("The token was refused. Enter a valid API token.")
    $(where).textContent = error.message
    show($(where), true)
  }

  // ---- list ----
  const statusBadge = (r) => [h("span", { class: `badge ${r.status}` }, STATUS_TEXT[r.status] ?? r.status), r.stuck ? h("span", { class: "badge stuck" }, "Stuck") : null]
  const row = (r) => h("tr", { class: r.stuck ? "stuck" : undefined, "data-key": `${r.connector}/${r.connectorRefundId}` },
    h("td", { "data-label": "Refund" }, h("a", { href: refundHref(r) }, r.merchantRefundId ?? r.connectorRefundId),
      h("small", {}, r.merchantRefundId ? r.connectorRefundId : null), h("small", {}, r.connectorTransactionId ? `payment ${r.connectorTransactionId}` : null)),
    h("td", { "data-label": "Processor" }, r.connector),
    h("td", { "data-label": "Amount", class: "amount" }, formatMoney(r.amount)),
    h("td", { "data-label": "Status" }, statusBadge(r)),
    h("td", { "data-label": "Created" }, formatTime(r.createdAt)),
    h("td", { "data-label": "Updated" }, formatTime(r.updatedAt)))

  const renderList = () => {
    $("results").tBodies[0].replaceChildren(...state.refunds.map(row))
    const stuck = state.refunds.filter((r) => r.stuck).length
    $("list-summary").textContent = state.refunds.length === 0
      ? "No refund matches."
      : `${state.refunds.length} refund${state.refunds.length === 1 ? "" : "s"} shown${state.next ? " (more available)" : ""}${stuck > 0 ? `, ${stuck} stuck` : ""}.`
    show($("more"), state.next !== undefined)
    const seen = new Set(state.refunds.map((r) => r.connector))
    $("connectors").replaceChildren(...[...seen].toSorted().map((c) => h("option", { value: c })))
  }

  const queryOf = () => {
    const params = new URLSearchParams()
    const q = $("q").value.trim()
    if (q) params.set("q", q)
    if ($("connector").value.trim()) params.set("connector", $("connector").value.trim())
    if ($("status").value) params.set("status", $("status").value)
    if ($("stuck").checked) params.set("stuck", "true")
    params.set("limit", String(PAGE))
    return params
  }

  const search = async (append = false) => {
    show($("list-error"), false)
    const params = new URLSearchParams(state.query)
    if (append && state.next) params.set("cursor", state.next)
    $("list-summary").textContent = "Searching…"
    try {
      const page = await api(`${API}?${params}`)
      state.refunds = append ? [...state.refunds, ...page.refunds] : page.refunds
      state.next = page.next
      renderList()
    } catch (error) {
      $("list-summary").textContent = ""
      failed("list-error")(error)
    }
  }

  const exportCsv = () => {
    const blob = new Blob([toCsv(state.refunds)], { type: "text/csv;charset=utf-8" })
    const a = h("a", { href: URL.createObjectURL(blob), download: `refunds-${new Date().toISOString().slice(0, 10)}.csv` })
    document.body.append(a)
    a.click()
    a.remove()
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000)
    announce(`Exported ${state.refunds.length} refunds as CSV.`)
  }

  // ---- one refund ----
  const copy = async (text, button, status) => {
    let done = false
    try {
      await navigator.clipboard.writeText(text)
      done = true
    } catch {
      const area = h("textarea", { class: "visually-hidden", readonly: true })
      area.value = text
      document.body.append(area)
      area.select()
      done = document.execCommand("copy")
      area.remove()
    }
    status.textContent = done ? "Copied" : "Copy failed: select the reference and copy it"
    button.focus()
  }

  const renderDetail = ({ refund: r, history }) => {
    $("detail-title").textContent = `Refund ${r.merchantRefundId ?? r.connectorRefundId}`
    const ref = r.settlement?.traceReference
    const copyStatus = h("span", { role: "status", class: "note", id: "copy-status" })
    const key = `${r.connector}/${r.connectorRefundId}`
    // The last sync's answer survives re-renders (a live update re-draws the page right after a sync).
    const syncStatus = h("span", { role: "status", class: "note", id: "sync-status" }, state.syncNote?.key === key ? state.syncNote.text : "")
    const facts = [
      ["Status", statusBadge(r)],
      ["Processor status", r.rawStatus],
      ["Amount", formatMoney(r.amount)],
      ["Processor", r.connector],
      ["Refund id (processor)", r.connectorRefundId],
      ["Refund id (ours)", r.merchantRefundId],
      ["Payment id", r.connectorTransactionId],
      ["Reason", r.reason],
      ["Failure", r.failure ? [r.failure.code, r.failure.message].filter(Boolean).join(": ") : undefined],
      ["Created", formatTime(r.createdAt)],
      ["Last change", formatTime(r.updatedAt)],
      ["Settled", r.settlement?.settledAt ? formatTime(r.settlement.settledAt) : undefined],
      ["Payout / batch", r.settlement?.batchId]
    ].filter(([, v]) => v !== undefined && v !== null && v !== "")
    const sync = h("button", { type: "button", id: "sync", class: "quiet" }, "Sync now")
    sync.addEventListener("click", async () => {
      sync.disabled = true
      syncStatus.textContent = "Asking the processor…"
      try {
        const answer = await api(`${API}/${encodeURIComponent(r.connector)}/${encodeURIComponent(r.connectorRefundId)}/sync`, { method: "POST" })
        state.syncNote = { key, text: answer.transition === "Applied" ? `Updated: now ${STATUS_TEXT[answer.refund.status]}` : "Checked: no change" }
        syncStatus.textContent = state.syncNote.text
        await openRefund(r.connector, r.connectorRefundId, false)
      } catch (error) {
        if (error instanceof Unauthorized) return signOut("The token was refused. Enter a valid API token.")
        state.syncNote = { key, text: `Sync failed: ${error.message}` }
        syncStatus.textContent = state.syncNote.text
      } finally {
        sync.disabled = false
      }
    })
    const ordered = history.toSorted((a, b) => a.sequence - b.sequence)
    $("detail-body").replaceChildren(...[
      h("p", { class: r.stuck ? "explain stuck" : "explain", id: "explanation" }, h("span", { class: "visually-hidden" }, "What to tell the customer: "), explain(r)),
      r.stuck ? h("p", { class: "error", id: "stuck-note" }, "Stuck: still pending longer than expected. Try \"Sync now\"; if it stays pending, escalate to the payments team.") : null,
      ref
        ? h("div", { class: "trace" }, h("span", {}, `Trace reference${r.settlement.traceReferenceType ? ` (${r.settlement.traceReferenceType.toUpperCase()})` : ""}:`),
          h("code", { id: "trace-reference" }, ref),
          h("button", { type: "button", id: "copy", class: "quiet", "aria-describedby": "copy-status", onclick: (e) => copy(ref, e.currentTarget, copyStatus) }, "Copy reference"),
          copyStatus)
        : h("p", { class: "note" }, "No trace reference yet: processors give it once the refund is sent to the bank."),
      h("div", { class: "tools" }, sync, syncStatus),
      h("dl", { class: "facts" }, facts.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
      h("h3", {}, "Timeline"),
      h("ol", { class: "timeline", id: "timeline", "aria-label": "What happened to this refund, oldest first" }, ordered.map((e) =>
        h("li", { class: e.transition === "Applied" ? "applied" : e.transition === "Unchanged" ? "same" : "refused" },
          h("span", { class: "when" }, formatTime(e.occurredAt ?? e.receivedAt)), " · ",
          h("span", {}, SOURCE_TEXT[e.source] ?? e.source),
          h("span", { class: "what" }, transitionText(e)),
          h("span", { class: "sub" }, `processor status "${e.rawStatus}"`, e.eventId ? ` · event ${e.eventId}` : "", ` · received ${formatTime(e.receivedAt)}`))))
    ].filter((el) => el !== null))
  }

  const openRefund = async (connector, id, focus = true) => {
    show($("detail-error"), false)
    state.detail = { connector, id }
    try {
      renderDetail(await api(`${API}/${encodeURIComponent(connector)}/${encodeURIComponent(id)}`))
    } catch (error) {
      $("detail-body").replaceChildren()
      failed("detail-error")(error)
    }
    if (focus) $("detail-title").focus()
  }

  // ---- live updates ----
  const setLive = (text, on) => { $("live-state").textContent = text; $("live-state").classList.toggle("on", on); show($("live-state"), true) }
  const onChange = (change) => {
    const r = change.refund
    const key = `${r.connector}/${r.connectorRefundId}`
    const at = state.refunds.findIndex((x) => `${x.connector}/${x.connectorRefundId}` === key)
    if (at >= 0) state.refunds[at] = r
    else if (![...state.query.keys()].some((k) => k !== "limit")) state.refunds.unshift(r)
    if (at >= 0 || ![...state.query.keys()].some((k) => k !== "limit")) {
      renderList()
      $("results").querySelector(`tr[data-key="${CSS.escape(key)}"]`)?.classList.add("flash")
    }
    if (state.detail && state.detail.connector === r.connector && state.detail.id === r.connectorRefundId && !$("detail").hidden) {
      openRefund(r.connector, r.connectorRefundId, false)
    }
    announce(`Refund ${r.merchantRefundId ?? r.connectorRefundId} is now ${STATUS_TEXT[r.status] ?? r.status} (${SOURCE_TEXT[change.source] ?? change.source}).`)
  }
  const listen = async () => {
    const controller = new AbortController()
    state.live = controller
    let wait = 1000
    while (state.live === controller) {
      try {
        const t = token()
        if (!t) return
        const response = await fetch(`${API}/events`, { headers: { authorization: `Bearer ${t}`, accept: "text/event-stream" }, signal: controller.signal, cache: "no-store", credentials: "omit" })
        if (response.status === 401) return signOut("The token was refused. Enter a valid API token.")
        if (!response.ok || !response.body) throw new Error(String(response.status))
        setLive("Live", true)
        wait = 1000
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
        let buffer = ""
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          buffer += value.replaceAll("\r\n", "\n")
          let end
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            const lines = block.split("\n")
            const event = lines.find((l) => l.startsWith("event:"))?.slice(6).trim() ?? "message"
            const data = lines.filter((l) => l.startsWith("data:")).map((l) => l.slice(5).replace(/^ /, "")).join("\n")
            if (event === "change" && data) {
              try { onChange(JSON.parse(data)) } catch { /* a malformed event is skipped */ }
            }
          }
        }
      } catch {
        if (controller.signal.aborted) return
      }
      if (state.live !== controller) return
      setLive("Reconnecting…", false)
      await new Promise((resolve) => setTimeout(resolve, wait))
      wait = Math.min(wait * 2, 30_000)
    }
  }

  // ---- navigation ----
  const route = () => {
    if (!token()) return signOut()
    show($("login"), false); show($("sign-out"), true)
    const match = /^#\/refund\/([^/]+)\/([^/]+)$/.exec(location.hash)
    if (match) {
      show($("list"), false); show($("detail"), true)
      openRefund(decodeURIComponent(match[1]), decodeURIComponent(match[2]))
    } else {
      show($("detail"), false); show($("list"), true)
      state.detail = undefined
      if (state.refunds.length === 0) search()
      $("list-title").focus()
    }
    if (!state.live) listen()
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("login-form").addEventListener("submit", (e) => {
      e.preventDefault()
      sessionStorage.setItem(TOKEN_KEY, $("token").value.trim())
      $("token").value = ""
      state.refunds = []
      route()
    })
    $("search-form").addEventListener("submit", (e) => {
      e.preventDefault()
      state.query = queryOf()
      search()
    })
    $("more").addEventListener("click", () => search(true))
    $("export").addEventListener("click", exportCsv)
    $("sign-out").addEventListener("click", () => signOut())
    window.addEventListener("hashchange", route)
    state.query = queryOf()
    route()
  })
}
