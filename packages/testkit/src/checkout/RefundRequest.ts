/**
 * What `POST /payments/{id}/refunds` accepts, and how Checkout.com refuses the rest.
 *
 * The members come from Checkout's current official SDKs, which agree with each other:
 * checkout/checkout-sdk-java @ 23c85c18 (2026-08-19) `payments/RefundRequest.java`, checkout-sdk-go @ 30688abf
 * (2026-06-10) `payments/payments.go` `RefundRequest`, checkout-sdk-net @ cc9c5e0e (2026-08-07)
 * `Payments/RefundRequest.cs` and checkout-sdk-python @ 93a90f3c `payments/payments.py`:
 * `amount`, `reference`, `metadata`, `amount_allocations` ("Not available on Previous"), `capture_action_id`,
 * `destination` and `items`. The 2021 reference (checkout/checkout-api-reference @ 2fc946cd
 * `nas_spec/components/schemas/Payments/RefundRequest.yaml`) had only the first three; the Go SDK's integration
 * test (`test/payments_refunds_test.go`) refunds a card payment in the sandbox with `items` and a bank
 * `destination`, so the newer members are live.
 *
 * Constraints:
 * - `amount`: an integer in minor units (RefundRequest.yaml, SDKs `long`/`int64`). The 2021 spec says minimum 0;
 *   a refund of nothing has no meaning and Checkout documents no answer for it, so the emulator asks for ≥ 1
 *   [chosen].
 * - `reference`: at most 50 characters (RefundRequest.yaml `maxLength: 50`, the only refund-specific source; the
 *   .NET SDK's 80 is the *payment* reference's limit, `PaymentRequest.cs`).
 * - `metadata`: one level of primitive values ("cannot accept non-primitive data types such as objects or
 *   arrays", RefundRequest.yaml).
 * - `items[]` (.NET `Payments/Request/RefundOrder.cs`, whose doc comments carry the reference's limits; the Go
 *   SDK's `RefundOrder` has the same wire names but no `tax_rate`): `name` ≤ 255, `quantity` ≥ 1, `unit_price`
 *   ≥ 0, `reference` ≤ 255, `commodity_code` ≤ 12, `unit_of_measure` ≤ 12, `total_amount`, `tax_amount`,
 *   `tax_rate`, `discount_amount`, `wxpay_goods_id` ≤ 32, `image_url` ≤ 1024, `url` ≤ 1024, `type` ∈ digital,
 *   discount, physical, `service_ends_on` (yyyy-MM-dd). The Java SDK serialises two of them as `doscount_amount`
 *   and `w_xpay_good_id`; Go and .NET (two SDKs against one) say `discount_amount` and `wxpay_goods_id`, which
 *   are taken as the API's names.
 * - `amount_allocations[]` (Go `common.AmountAllocations`: `amount` is the only member without `omitempty`):
 *   `id`, `amount` (required), `reference`, `commission` { `amount`, `percentage` }.
 * - `capture_action_id`: an action id, `act_` and 26 word characters (`ActionId` pattern of the 2021 spec).
 * - `destination` (Go `common.Destination`, `AccountHolder`, `BankDetails`, `Address`, `Phone`): the bank account
 *   members those types declare; `account_type` ∈ savings, current, cash.
 *
 * How the rest is refused: 422 `{ request_id, error_type: "request_invalid", error_codes }` (ValidationError.yaml),
 * all codes of one request in one answer. Checkout's codes follow `<field>_invalid` (`amount_invalid`,
 * `card_number_invalid`, `email_invalid`, ... in its error-code list, as reproduced by Hyperswitch's Checkout
 * connector `get_connector_error_type` [3p]), so a bad value under a refund member is `<member>_invalid`.
 * Checkout documents no code for a member the request does not define; the emulator answers the generic
 * `request_invalid` for it [chosen]. A body that is not JSON, or not a JSON object, is 400
 * `{ request_id, error_type: "request_malformed" }` (Error.yaml's example).
 *
 * @since 0.1.0
 */
import * as JsonShape from "../emulator/JsonShape.ts"

const text = (maxLength: number): JsonShape.StringShape => ({ kind: "string", maxLength })

const address: JsonShape.ObjectShape = {
  kind: "object",
  fields: {
    address_line1: { kind: "string" },
    address_line2: { kind: "string" },
    city: { kind: "string" },
    state: { kind: "string" },
    zip: { kind: "string" },
    country: { kind: "string", pattern: /^[A-Z]{2}$/ }
  }
}

const accountHolder: JsonShape.ObjectShape = {
  kind: "object",
  fields: {
    id: { kind: "string" },
    type: { kind: "string", oneOf: ["individual", "corporate", "government"] },
    title: { kind: "string" },
    full_name: { kind: "string" },
    first_name: { kind: "string" },
    middle_name: { kind: "string" },
    last_name: { kind: "string" },
    email: { kind: "string" },
    gender: { kind: "string" },
    company_name: { kind: "string" },
    tax_id: { kind: "string" },
    date_of_birth: { kind: "string" },
    country_of_birth: { kind: "string", pattern: /^[A-Z]{2}$/ },
    residential_status: { kind: "string" },
    billing_address: address,
    phone: { kind: "object", fields: { country_code: { kind: "string" }, number: { kind: "string" } } },
    identification: {
      kind: "object",
      fields: {
        type: { kind: "string" },
        number: { kind: "string" },
        issuing_country: { kind: "string", pattern: /^[A-Z]{2}$/ },
        date_of_expiry: { kind: "string" }
      }
    },
    account_name_inquiry: { kind: "boolean" }
  }
}

const destination: JsonShape.ObjectShape = {
  kind: "object",
  fields: {
    account_type: { kind: "string", oneOf: ["savings", "current", "cash"] },
    account_number: { kind: "string" },
    bank_code: { kind: "string" },
    branch_code: { kind: "string" },
    iban: { kind: "string" },
    bban: { kind: "string" },
    swift_bic: { kind: "string" },
    country: { kind: "string", pattern: /^[A-Z]{2}$/ },
    account_holder: accountHolder,
    bank: { kind: "object", fields: { name: { kind: "string" }, branch: { kind: "string" }, address } }
  }
}

const item: JsonShape.ObjectShape = {
  kind: "object",
  fields: {
    name: text(255),
    quantity: { kind: "integer", minimum: 1 },
    unit_price: { kind: "integer", minimum: 0 },
    reference: text(255),
    commodity_code: text(12),
    unit_of_measure: text(12),
    total_amount: { kind: "integer" },
    tax_amount: { kind: "integer" },
    tax_rate: { kind: "integer" },
    discount_amount: { kind: "integer" },
    wxpay_goods_id: text(32),
    image_url: text(1024),
    url: text(1024),
    type: { kind: "string", oneOf: ["digital", "discount", "physical"] },
    service_ends_on: { kind: "string", pattern: /^\d{4}-\d{2}-\d{2}$/ }
  }
}

const amountAllocation: JsonShape.ObjectShape = {
  kind: "object",
  fields: {
    id: { kind: "string" },
    amount: { kind: "integer", minimum: 0 },
    reference: { kind: "string" },
    commission: { kind: "object", fields: { amount: { kind: "integer", minimum: 0 }, percentage: { kind: "number", minimum: 0 } } }
  },
  required: ["amount"]
}

/** The refund request. */
export const shape: JsonShape.ObjectShape = {
  kind: "object",
  fields: {
    amount: { kind: "integer", minimum: 1 },
    reference: text(50),
    metadata: { kind: "record", values: { kind: "scalar" } },
    amount_allocations: { kind: "array", items: amountAllocation },
    capture_action_id: { kind: "string", pattern: /^act_\w{26}$/ },
    destination,
    items: { kind: "array", items: item }
  }
}

/** The generic code for a member the request does not define [chosen]. */
export const unknownMemberCode = "request_invalid"

/** The `error_codes` of a parsed JSON object: one per offending top-level member, in order, without repeats. */
export const errorCodes = (body: unknown): ReadonlyArray<string> => {
  const codes = JsonShape.check(shape, body).map((issue) => {
    const member = issue.path[0]
    return typeof member === "string" && Object.hasOwn(shape.fields, member) ? `${member}_invalid` : unknownMemberCode
  })
  return [...new Set(codes)]
}

/** The members of a valid request the emulator uses. */
export interface RefundRequest {
  readonly amount: number | undefined
  readonly reference: string | undefined
  readonly metadata: Readonly<Record<string, string | number | boolean>> | undefined
  readonly captureActionId: string | undefined
}

/** Reads a request that {@link errorCodes} found nothing wrong with. */
export const read = (body: Readonly<Record<string, unknown>>): RefundRequest => {
  const metadata = body.metadata
  const entries = metadata !== null && typeof metadata === "object"
    ? Object.entries(metadata).filter((entry): entry is [string, string | number | boolean] => entry[1] !== null)
    : undefined
  return {
    amount: typeof body.amount === "number" ? body.amount : undefined,
    reference: typeof body.reference === "string" ? body.reference : undefined,
    metadata: entries === undefined ? undefined : Object.fromEntries(entries),
    captureActionId: typeof body.capture_action_id === "string" ? body.capture_action_id : undefined
  }
}
