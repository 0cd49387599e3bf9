/**
 * Refract's randomized campaign (private): see Campaign.ts.
 */
export * as Campaign from "./Campaign.ts"
export * as Processors from "./Processors.ts"
export * as VirtualClock from "./VirtualClock.ts"
