/**
 * @refract/store-pg: the PostgreSQL `RefundStore` for Refract, through `@effect/sql-pg`.
 */
export * as PgRefundStore from "./PgRefundStore.ts"
export * as Migrations from "./Migrations.ts"
export * as StoreConfig from "./StoreConfig.ts"
export * as PgReconcileWorkspace from "./PgReconcileWorkspace.ts"
