export * from "./check.ts"
export * from "./extract.ts"
