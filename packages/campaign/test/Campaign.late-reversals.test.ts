/** The campaign with reversals two hours after success, found by the tracker's low-rate watch (see campaign.ts). */
import { keepsEveryPromise } from "./campaign.ts"

keepsEveryPromise({ seed: 7, reversalAfterMillis: 2 * 3_600_000 })
