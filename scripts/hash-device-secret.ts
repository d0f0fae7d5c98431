/**
 * Prints the scrypt hash of a device secret, for the device registry file.
 *   npm run device:hash-secret -- <secret>
 * With no argument it generates a strong secret and prints both.
 */
import { randomBytes } from "node:crypto";
import { hashDeviceSecret } from "../server/src/auth/deviceSecrets.ts";

const given = process.argv[2];
const secret = given ?? randomBytes(24).toString("base64url");
const hash = await hashDeviceSecret(secret);
if (!given) console.log(`secret:     ${secret}`);
console.log(`secretHash: ${hash}`);
