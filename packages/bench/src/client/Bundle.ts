/**
 * Bundles `RefractCalls.ts` (and through it effect, @refract/* and undici) into
 * `dist/refract-calls.js`, as an application's build would: Refract's contenders then load
 * JavaScript like the stripe SDK's do. `node src/client/Bundle.ts` builds it by hand.
 */
import { fileURLToPath } from "node:url"
import { build } from "rolldown"

export const bundleRefract = async (): Promise<string> => {
  const root = fileURLToPath(new URL("../..", import.meta.url))
  await build({
    cwd: root,
    input: { "refract-calls": "src/client/RefractCalls.ts" },
    platform: "node",
    // undici stays a module of its own: @effect/platform-node imports it lazily, which a bundle breaks.
    external: [/^node:/, "undici"],
    logLevel: "warn",
    output: { dir: `${root}dist`, format: "esm", entryFileNames: "[name].js", chunkFileNames: "chunks/[name]-[hash].js", sourcemap: false }
  })
  return `${root}dist/refract-calls.js`
}

if (import.meta.main) process.stdout.write(`${await bundleRefract()}\n`)
