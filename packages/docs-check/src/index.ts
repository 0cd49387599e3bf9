export * from "./check.ts"
export * from "./extract.ts"
export * from "./known-failures.ts"
