/**
 * What the documentation shows only in a comment, so @refract/docs-check (which compiles every code
 * block of the docs) does not see it: docs/receiving-webhooks.md, "With Node's own HTTP server",
 * `// store: PgRefundStore.layerUrl(process.env.DATABASE_URL!)`. Typechecked only, never run.
 */
import { NodeWebhookHandler } from "@refract/node"
import { connector as stripe } from "@refract/stripe"
import { PgRefundStore } from "@refract/store-pg"

export const webhooks = () => NodeWebhookHandler.make({
  connectors: [{ connector: stripe, options: { credentials: { apiKey: "sk_test_x" }, webhookSecrets: { signingSecret: "whsec_x" } } }],
  store: PgRefundStore.layerUrl("postgres://x"),
  maxBodyBytes: 1024 * 1024
})
