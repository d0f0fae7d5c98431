import { LocalUserQuotaLedger } from "../../server/src/adapters/local/localUserQuotaLedger.ts";
import { userQuotaCases } from "./userQuotas.cases.ts";

const ledger = new LocalUserQuotaLedger();
userQuotaCases("process memory", () => ledger);
