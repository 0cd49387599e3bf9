/**
 * @refract/cli: the `refract` command (see the README). Exported for tests and embedding.
 */
export * as Connectors from "./connectors.ts"
export * as Errors from "./errors.ts"
export * as Format from "./format.ts"
export * as Target from "./target.ts"
export { commandFor, main, run, subcommands, version } from "./main.ts"
