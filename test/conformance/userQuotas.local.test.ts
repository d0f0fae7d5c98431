import { LocalUserQuotaLedger } from "@baton/server/adapters/local/localUserQuotaLedger.ts";
import { userQuotaCases } from "./userQuotas.cases.ts";

const ledger = new LocalUserQuotaLedger();
userQuotaCases("process memory", () => ledger);
