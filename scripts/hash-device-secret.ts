/**
 * Prints the scrypt hash of a device secret, for the device registry file.
 *   npm run device:hash-secret -- <secret>
 * With no argument it generates a strong secret and prints both.
 */
import { randomBytes } from "node:crypto";
import { hashDeviceSecret } from "../server/src/auth/deviceSecrets.ts";

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  console.log("usage: npm run device:hash-secret -- [<secret>]\n  prints the scrypt hash of <secret> for a BATON_DEVICES_FILE entry;\n  without one, generates a strong secret and prints both");
  process.exit(0);
}
const given = process.argv[2];
const secret = given ?? randomBytes(24).toString("base64url");
const hash = await hashDeviceSecret(secret);
if (!given) console.log(`secret:     ${secret}`);
console.log(`secretHash: ${hash}`);
