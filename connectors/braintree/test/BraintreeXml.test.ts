import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { BraintreeXml } from "@refract/braintree"
import { failure, ok } from "@refract/testkit/connector/ConnectorTest"

describe("BraintreeXml (strict minimal reader)", () => {
  it("reads elements, attributes, nil, nested children and escaped text", () => {
    const root = ok(BraintreeXml.parse(`<?xml version="1.0" encoding="UTF-8"?>
<transaction>
  <id>abc123</id>
  <order-id nil="true"/>
  <message>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#233;&#x41;</message>
  <status-history type="array"><status-event><status>settled</status></status-event></status-history>
</transaction>
`))
    assert.strictEqual(root.name, "transaction")
    assert.strictEqual(BraintreeXml.textOf(root, "id"), "abc123")
    assert.isUndefined(BraintreeXml.textOf(root, "order-id"), "nil is absent")
    assert.strictEqual(BraintreeXml.textOf(root, "message"), `a & b <c> "d" 'e' éA`)
    const history = BraintreeXml.child(root, "status-history")!
    assert.strictEqual(history.attributes["type"], "array")
    assert.strictEqual(BraintreeXml.textOf(history.children[0]!, "status"), "settled")
    assert.isUndefined(BraintreeXml.textOf(root, "status-history"), "an element with children has no scalar text")
  })

  it("refuses what is not the plain XML Braintree writes", () => {
    const bad = [
      "",
      "not xml",
      "<a>",
      "<a></b>",
      "<a><b></a></b>",
      "<a>x</a><b/>",
      "<a>&unknown;</a>",
      "<a>& b</a>",
      "<a>&#0;</a>",
      "<a>&#xD800;</a>",
      `<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>`,
      "<a><!-- comment --></a>",
      "<a><![CDATA[x]]></a>",
      "<a><?pi x?></a>",
      `<a b="1" b="2"/>`,
      `<a b=1/>`,
      `<a b="<"/>`,
      `<a b="1"c="2"/>`
    ]
    for (const text of bad) assert.isTrue(Result.isFailure(BraintreeXml.parse(text)), JSON.stringify(text))
  })

  it("bounds nesting depth and says where it failed", () => {
    const deep = `${"<a>".repeat(BraintreeXml.MAX_DEPTH + 2)}${"</a>".repeat(BraintreeXml.MAX_DEPTH + 2)}`
    assert.include(failure(BraintreeXml.parse(deep)), "nesting too deep")
    assert.match(failure(BraintreeXml.parse("<a></b>")), /offset \d+/)
  })

  it("attributes named like Object.prototype members are plain keys", () => {
    const root = ok(BraintreeXml.parse(`<a __proto__="x" constructor="y"/>`))
    assert.strictEqual(root.attributes["__proto__"], "x")
    assert.strictEqual(root.attributes["constructor"], "y")
    const plain = ok(BraintreeXml.parse("<a/>"))
    assert.isUndefined(plain.attributes["constructor"])
  })
})
