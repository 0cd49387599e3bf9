/**
 * A minimal XML writer for the Braintree emulator: the gateway answers XML (braintree_node 3.40.0
 * `lib/braintree/http.js` sends `Accept: application/xml` and parses answers with xml2js, turning
 * `type="array"`, `type="collection"`, `type="integer"`, `type="boolean"` and `nil="true"` attributes into
 * arrays, objects, numbers, booleans and null: `lib/braintree/util.js` `convertNodeToObject`).
 *
 * Written for this emulator (no code copied): elements, text escaped, the typed attributes above.
 *
 * @since 0.1.0
 */

/** An XML node: text content or child elements, with optional attributes. */
export type Node =
  | { readonly _tag: "Text"; readonly name: string; readonly text: string; readonly attributes: Readonly<Record<string, string>> }
  | { readonly _tag: "Parent"; readonly name: string; readonly children: ReadonlyArray<Node>; readonly attributes: Readonly<Record<string, string>> }

/** Escapes text and attribute values (`&`, `<`, `>`, `"`, `'`). */
export const escape = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;")

/** `<name>text</name>`; `null` gives `<name nil="true"/>`. */
export const text = (name: string, value: string | null, attributes: Readonly<Record<string, string>> = {}): Node =>
  value === null
    ? { _tag: "Parent", name, children: [], attributes: { ...attributes, nil: "true" } }
    : { _tag: "Text", name, text: value, attributes }

/** `<name type="integer">n</name>`. */
export const integer = (name: string, value: number): Node => text(name, String(Math.trunc(value)), { type: "integer" })

/** `<name type="boolean">b</name>`. */
export const boolean = (name: string, value: boolean): Node => text(name, String(value), { type: "boolean" })

/** `<name type="datetime">2026-12-06T04:13:56Z</name>` (whole seconds, UTC), or nil. */
export const datetime = (name: string, millis: number | undefined): Node =>
  millis === undefined
    ? text(name, null, { type: "datetime" })
    : text(name, new Date(Math.floor(millis / 1000) * 1000).toISOString().replace(".000Z", "Z"), { type: "datetime" })

/** An element with children. */
export const element = (name: string, children: ReadonlyArray<Node>, attributes: Readonly<Record<string, string>> = {}): Node => ({
  _tag: "Parent",
  name,
  children,
  attributes
})

/** `<name type="array">` with children. */
export const array = (name: string, children: ReadonlyArray<Node>): Node => element(name, children, { type: "array" })

const attributesOf = (attributes: Readonly<Record<string, string>>): string =>
  Object.entries(attributes).map(([k, v]) => ` ${k}="${escape(v)}"`).join("")

const render = (node: Node, indent: string, out: Array<string>): void => {
  const attrs = attributesOf(node.attributes)
  if (node._tag === "Text") {
    out.push(`${indent}<${node.name}${attrs}>${escape(node.text)}</${node.name}>`)
    return
  }
  if (node.children.length === 0) {
    out.push(`${indent}<${node.name}${attrs}/>`)
    return
  }
  out.push(`${indent}<${node.name}${attrs}>`)
  for (const child of node.children) render(child, `${indent}  `, out)
  out.push(`${indent}</${node.name}>`)
}

/** The document: an XML declaration, then the root element, two-space indented. */
export const document = (root: Node): string => {
  const out: Array<string> = [`<?xml version="1.0" encoding="UTF-8"?>`]
  render(root, "", out)
  return `${out.join("\n")}\n`
}

/** The root element alone, without a declaration (webhook notifications are built this way). */
export const fragment = (root: Node): string => {
  const out: Array<string> = []
  render(root, "", out)
  return out.join("\n")
}
