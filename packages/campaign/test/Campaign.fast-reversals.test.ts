/** The campaign with reversals 45 s after success: the success and the failure race (see campaign.ts). */
import { keepsEveryPromise } from "./campaign.ts"

keepsEveryPromise({ seed: 22, reversalAfterMillis: 45_000 })
