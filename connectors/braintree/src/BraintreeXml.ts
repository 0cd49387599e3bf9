/**
 * A minimal, strict XML reader for Braintree's gateway answers and webhook notifications.
 *
 * Braintree's legacy gateway answers XML (braintree_node `lib/braintree/http.js` sends
 * `Accept: application/xml`): elements, attributes (`type="array"`, `nil="true"`...), text with the five
 * predefined entities and numeric character references, an optional `<?xml …?>` declaration. That is all
 * this reader accepts: no DTD, no processing instructions past the declaration, no CDATA, no comments
 * inside elements... anything else is a failure, never a guess. No external entity is ever resolved (there
 * is no DTD to declare one). Depth and size are bounded.
 *
 * Pure and dependency-free (the connector adds no runtime dependency).
 */
import { Result } from "effect"

/** An element: its name, attributes, child elements in order, and its text (concatenated, unescaped). */
export interface Element {
  readonly name: string
  readonly attributes: Readonly<Record<string, string>>
  readonly children: ReadonlyArray<Element>
  readonly text: string
}

/** Documents larger than this are refused (Braintree's answers are a few KB). */
export const MAX_LENGTH = 4 * 1024 * 1024
/** Nesting deeper than this is refused. */
export const MAX_DEPTH = 64

const namePattern = /^[A-Za-z_][A-Za-z0-9_.-]*/
const entities: ReadonlyMap<string, string> = new Map([["amp", "&"], ["lt", "<"], ["gt", ">"], ["quot", "\""], ["apos", "'"]])

class XmlError extends Error {}

/** Replaces entity and character references; fails on anything else after `&`. */
export const unescape = (raw: string): string =>
  raw.replace(/&([^;]{0,10});?/g, (match, ref: string) => {
    if (!match.endsWith(";")) throw new XmlError(`bad reference ${JSON.stringify(match)}`)
    const named = entities.get(ref)
    if (named !== undefined) return named
    const numeric = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/.exec(ref)
    if (numeric === null) throw new XmlError(`unknown entity &${ref};`)
    const code = numeric[1] !== undefined ? Number.parseInt(numeric[1], 16) : Number(numeric[2])
    if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw new XmlError(`invalid character reference &${ref};`)
    return String.fromCodePoint(code)
  })

class Reader {
  position = 0
  readonly source: string
  constructor(source: string) {
    this.source = source
  }

  fail(message: string): never {
    throw new XmlError(`${message} at offset ${this.position}`)
  }

  skipSpace(): void {
    while (this.position < this.source.length && /\s/.test(this.source[this.position]!)) this.position++
  }

  startsWith(token: string): boolean {
    return this.source.startsWith(token, this.position)
  }

  expect(token: string): void {
    if (!this.startsWith(token)) this.fail(`expected ${JSON.stringify(token)}`)
    this.position += token.length
  }

  name(): string {
    const match = namePattern.exec(this.source.slice(this.position, this.position + 256))
    if (match === null) return this.fail("expected a name")
    this.position += match[0].length
    return match[0]
  }

  attributes(): Record<string, string> {
    const attributes: Record<string, string> = Object.create(null)
    for (;;) {
      const before = this.position
      this.skipSpace()
      if (this.startsWith("/>") || this.startsWith(">")) return attributes
      if (this.position === before) this.fail("expected whitespace before an attribute")
      const name = this.name()
      this.skipSpace()
      this.expect("=")
      this.skipSpace()
      const quote = this.source[this.position]
      if (quote !== "\"" && quote !== "'") this.fail("expected a quoted attribute value")
      const end = this.source.indexOf(quote!, this.position + 1)
      if (end === -1) this.fail("unterminated attribute value")
      const raw = this.source.slice(this.position + 1, end)
      if (raw.includes("<")) this.fail("'<' in an attribute value")
      if (Object.hasOwn(attributes, name)) this.fail(`duplicate attribute ${name}`)
      attributes[name] = unescape(raw)
      this.position = end + 1
    }
  }

  element(depth: number): Element {
    if (depth > MAX_DEPTH) this.fail("nesting too deep")
    this.expect("<")
    const name = this.name()
    const attributes = this.attributes()
    if (this.startsWith("/>")) {
      this.position += 2
      return { name, attributes, children: [], text: "" }
    }
    this.expect(">")
    const children: Array<Element> = []
    let text = ""
    for (;;) {
      const next = this.source.indexOf("<", this.position)
      if (next === -1) this.fail(`unterminated element <${name}>`)
      const raw = this.source.slice(this.position, next)
      if (raw.includes("]]>")) this.fail("']]>' in text")
      text += unescape(raw)
      this.position = next
      if (this.startsWith("</")) {
        this.position += 2
        const closing = this.name()
        if (closing !== name) this.fail(`</${closing}> closes <${name}>`)
        this.skipSpace()
        this.expect(">")
        return { name, attributes, children, text }
      }
      if (this.startsWith("<!") || this.startsWith("<?")) this.fail("comments, CDATA, DTDs and processing instructions are not accepted")
      children.push(this.element(depth + 1))
    }
  }

  document(): Element {
    if (this.source.length > MAX_LENGTH) this.fail("document too large")
    if (this.source.charCodeAt(0) === 0xfeff) this.position = 1
    this.skipSpace()
    if (this.startsWith("<?xml")) {
      const end = this.source.indexOf("?>", this.position)
      if (end === -1) this.fail("unterminated XML declaration")
      this.position = end + 2
    }
    this.skipSpace()
    const root = this.element(0)
    this.skipSpace()
    if (this.position !== this.source.length) this.fail("content after the root element")
    return root
  }
}

/** Parses a document into its root element; a failure says where and why. */
export const parse = (source: string): Result.Result<Element, string> => {
  try {
    return Result.succeed(new Reader(source).document())
  } catch (error) {
    if (error instanceof XmlError) return Result.fail(error.message)
    throw error
  }
}

/** The first child named `name`. */
export const child = (element: Element, name: string): Element | undefined => element.children.find((c) => c.name === name)

/** The children named `name`. */
export const childrenNamed = (element: Element, name: string): ReadonlyArray<Element> => element.children.filter((c) => c.name === name)

/** Whether an element is `nil="true"`. */
export const isNil = (element: Element): boolean => element.attributes["nil"] === "true"

/**
 * The text of child `name`: undefined when absent or nil; the trimmed text otherwise. Elements with
 * children have no scalar text (undefined).
 */
export const textOf = (element: Element, name: string): string | undefined => {
  const found = child(element, name)
  if (found === undefined || isNil(found) || found.children.length > 0) return undefined
  return found.text.trim()
}
