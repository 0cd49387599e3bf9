/**
 * A Schema class instance built from fields that are already valid, without walking them again.
 *
 * `new C(fields, { disableChecks: true })` skips the checks but still parses every field's type
 * (effect 4.1's `struct.make`): on the hot paths, the fold of every status read and every webhook,
 * that cost about as much as the rest of the fold. An instance of an Effect Schema class is its fields
 * as own properties over the class's prototype, so this builds the same object.
 * `test/refund/Trusted.test.ts` pins that (equality, hash, JSON, `instanceof`, `Schema.is`, encoding),
 * so an Effect upgrade that changes it fails there rather than in production.
 *
 * Only for fields Refract's own code put together from values that were validated when they entered
 * (a connector's snapshot, a stored refund, the state machine's output); never for input.
 */
export const trusted = <C extends abstract new(...args: any) => any>(
  Class: C,
  fields: ConstructorParameters<C>[0]
): InstanceType<C> => Object.assign(Object.create(Class.prototype) as InstanceType<C>, fields)
