/**
 * CSV as RFC 4180 writes it (quoted fields may hold commas, quotes and line breaks), read
 * incrementally: text goes in chunk by chunk, whole rows come out, so a file of any size is read in
 * the memory of one row. Used for merchant ledgers, processor reports (Adyen's settlement details)
 * and the reconciliation report.
 */

/** Splits CSV text into rows; keep one per input and feed it chunks in order. */
export class CsvReader {
  private field = ""
  private row: Array<string> = []
  private quoted = false
  /** Inside quotes, a `"` just read: either the closing quote or the first half of `""`. */
  private quotePending = false
  /** The previous character was a CR ending a row (a following LF belongs to it). */
  private afterCr = false
  private started = false

  /** Rows completed by this chunk. */
  push(chunk: string): Array<Array<string>> {
    const rows: Array<Array<string>> = []
    let text = chunk
    if (!this.started && text.length > 0) {
      this.started = true
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1) // a byte-order mark is not data
    }
    let i = 0
    const n = text.length
    while (i < n) {
      const c = text[i]!
      if (this.afterCr) {
        this.afterCr = false
        if (c === "\n") {
          i++
          continue
        }
      }
      if (this.quoted) {
        if (this.quotePending) {
          this.quotePending = false
          if (c === "\"") {
            this.field += "\""
            i++
            continue
          }
          this.quoted = false // the quote closed the field; read c as outside quotes
          continue
        }
        // Copy a run of ordinary characters at once.
        const next = text.indexOf("\"", i)
        if (next === -1) {
          this.field += text.slice(i)
          i = n
        } else {
          this.field += text.slice(i, next)
          this.quotePending = true
          i = next + 1
        }
        continue
      }
      if (c === ",") {
        this.row.push(this.field)
        this.field = ""
      } else if (c === "\n" || c === "\r") {
        this.row.push(this.field)
        rows.push(this.row)
        this.row = []
        this.field = ""
        this.afterCr = c === "\r"
      } else if (c === "\"" && this.field.length === 0) {
        this.quoted = true
      } else {
        // Copy up to the next delimiter at once.
        let j = i + 1
        while (j < n) {
          const d = text[j]
          if (d === "," || d === "\n" || d === "\r") break
          j++
        }
        this.field += text.slice(i, j)
        i = j
        continue
      }
      i++
    }
    return rows
  }

  /** The last row when the text does not end with a line break; fails on an unclosed quote. */
  end(): { readonly rows: Array<Array<string>>; readonly unclosedQuote: boolean } {
    if (this.quoted && !this.quotePending) return { rows: [], unclosedQuote: true }
    this.quoted = false
    this.quotePending = false
    if (this.field.length === 0 && this.row.length === 0) return { rows: [], unclosedQuote: false }
    this.row.push(this.field)
    const last = this.row
    this.row = []
    this.field = ""
    return { rows: [last], unclosedQuote: false }
  }
}

const needsQuotes = /[",\r\n]/

/**
 * One CSV field. Text that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`)
 * gets a leading apostrophe: report fields come from processors and ledgers, not from us.
 */
export const field = (value: string | number | undefined | null): string => {
  if (value === undefined || value === null) return ""
  if (typeof value === "number") return String(value)
  const safe = /^[=+\-@\t\r]/.test(value) && !/^-?\d+(\.\d+)?$/.test(value) ? `'${value}` : value
  return needsQuotes.test(safe) ? `"${safe.replaceAll("\"", "\"\"")}"` : safe
}

/** One CSV line, CRLF-terminated as RFC 4180 has it. */
export const line = (values: ReadonlyArray<string | number | undefined | null>): string => `${values.map(field).join(",")}\r\n`
