/**
 * Bundles `RefractCalls.ts` (and through it effect, @refract/* and undici) into
 * `dist/refract-calls.js`, as an application's build would: Refract's contenders then load
 * JavaScript like the stripe SDK's do. `node src/client/Bundle.ts` builds it by hand.
 */
import { fileURLToPath } from "node:url"
import { build } from "rolldown"

export const bundleRefract = (): Promise<string> => bundle("refract-calls", "src/client/RefractCalls.ts")

/** Bundles one entry (a path from the package root) into `dist/<name>.js`. */
export const bundle = async (name: string, entry: string): Promise<string> => {
  const root = fileURLToPath(new URL("../..", import.meta.url))
  await build({
    cwd: root,
    input: { [name]: entry },
    platform: "node",
    // undici stays a module of its own: @effect/platform-node imports it lazily, which a bundle breaks.
    external: [/^node:/, "undici"],
    logLevel: "warn",
    output: { dir: `${root}dist`, format: "esm", entryFileNames: "[name].js", chunkFileNames: "chunks/[name]-[hash].js", sourcemap: false }
  })
  return `${root}dist/${name}.js`
}

if (import.meta.main) process.stdout.write(`${await bundleRefract()}\n`)
