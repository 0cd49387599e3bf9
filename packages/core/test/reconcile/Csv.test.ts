/**
 * The CSV reader gives the same rows however the text is cut into chunks, reads RFC 4180's quoting,
 * and the writer quotes what needs it and defuses spreadsheet formulas.
 */
import { assert, describe, it } from "@effect/vitest"
import { Csv } from "@refract/core"

const readAll = (text: string, cuts: ReadonlyArray<number>) => {
  const reader = new Csv.CsvReader()
  const rows: Array<Array<string>> = []
  let at = 0
  for (const cut of [...cuts, text.length]) {
    rows.push(...reader.push(text.slice(at, cut)))
    at = cut
  }
  const end = reader.end()
  return { rows: [...rows, ...end.rows], unclosedQuote: end.unclosedQuote }
}

const tricky = "\ufeffid,note,amount\r\n1,\"a, b\",10\n2,\"say \"\"hi\"\"\",20\r\n3,\"two\r\nlines\",30\r4,,\n\"\",x,\"\"\n5,last,50"
const expected = [
  ["id", "note", "amount"],
  ["1", "a, b", "10"],
  ["2", "say \"hi\"", "20"],
  ["3", "two\r\nlines", "30"],
  ["4", "", ""],
  ["", "x", ""],
  ["5", "last", "50"]
]

describe("CsvReader", () => {
  it("reads quotes, doubled quotes, line breaks in quotes, CRLF, CR and LF endings, a BOM and a last row without a break", () => {
    assert.deepStrictEqual(readAll(tricky, []), { rows: expected, unclosedQuote: false })
  })

  it("gives the same rows at every chunk boundary", () => {
    for (let cut = 0; cut <= tricky.length; cut++) {
      assert.deepStrictEqual(readAll(tricky, [cut]).rows, expected, `cut at ${cut}`)
    }
    for (let a = 0; a <= tricky.length; a += 3) {
      for (let b = a; b <= tricky.length; b += 5) assert.deepStrictEqual(readAll(tricky, [a, b]).rows, expected, `cuts at ${a}, ${b}`)
    }
  })

  it("keeps a BOM that is not at the start, and an empty line as one empty field", () => {
    assert.deepStrictEqual(readAll("a\n\ufeffb\n\nc\n", []).rows, [["a"], ["\ufeffb"], [""], ["c"]])
  })

  it("says when the text ends inside a quoted field", () => {
    assert.isTrue(readAll("a,\"open\nstill open", [4]).unclosedQuote)
    assert.isFalse(readAll("a,\"closed\"", []).unclosedQuote)
    assert.deepStrictEqual(readAll("a,\"closed\"", [9]).rows, [["a", "closed"]])
  })

  it("reads a quote inside an unquoted field as text", () => {
    assert.deepStrictEqual(readAll("ab\"c,d\n", []).rows, [["ab\"c", "d"]])
  })
})

describe("Csv.field and Csv.line", () => {
  it("quotes commas, quotes and line breaks, and leaves plain text alone", () => {
    assert.strictEqual(Csv.field("plain"), "plain")
    assert.strictEqual(Csv.field("a,b"), "\"a,b\"")
    assert.strictEqual(Csv.field("say \"hi\""), "\"say \"\"hi\"\"\"")
    assert.strictEqual(Csv.field("two\nlines"), "\"two\nlines\"")
    assert.strictEqual(Csv.field("cr\rhere"), "\"cr\rhere\"")
    assert.strictEqual(Csv.field(undefined), "")
    assert.strictEqual(Csv.field(null), "")
    assert.strictEqual(Csv.field(-1050), "-1050")
    assert.strictEqual(Csv.line(["a", 1, undefined, "b,c"]), "a,1,,\"b,c\"\r\n")
  })

  it("defuses text a spreadsheet would run as a formula, but not negative numbers", () => {
    for (const formula of ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "=HYPERLINK(\"x\")"]) {
      const out = Csv.field(formula)
      assert.isTrue(out.startsWith("'") || out.startsWith("\"'"), `${JSON.stringify(formula)} gave ${out}`)
    }
    assert.strictEqual(Csv.field("-10.50"), "-10.50")
    assert.strictEqual(Csv.field("-7"), "-7")
  })

  it("writes what the reader reads back", () => {
    const values = ["a", "b,c", "d\"e", "f\r\ng", "", "=x"]
    const { rows } = readAll(Csv.line(values), [])
    assert.deepStrictEqual(rows, [values.map((v) => (v === "=x" ? "'=x" : v))])
  })
})
