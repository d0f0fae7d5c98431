// Weigh someone on the simulated scale with the Baton SDK (plain JavaScript, Node 22).
// Needs a development server (`npm run dev`) and the simulated scale (`npm run simulate -- …`),
// as the README's quick tour starts them. Run: node weigh.mjs [http://127.0.0.1:2567]
import { BatonClient, BatonError } from "@baton/client";

const url = process.argv[2] ?? process.env.BATON_URL ?? "http://127.0.0.1:2567";
// Development only: /dev/token gives a token for any user. In production, your identity provider does.
const client = await BatonClient.dev(url, { userId: "ada", name: "Ada" });
const scale = client.device("scale-1");
try {
  await scale.claim();
  const { output } = await scale.run("weighing", { userAge: 25, userGender: "female" });
  console.log(`weight: ${output.weight} ${output.unit}`);
  await scale.release();
} catch (error) {
  // Every refusal is a BatonError with the protocol code and a sentence, at once:
  // DEVICE_BUSY ("… is held by …"), DEVICE_OFFLINE, INVALID_INPUT, NOT_OWNER, UNKNOWN_DEVICE, …
  if (!(error instanceof BatonError)) throw error;
  console.error(`${error.message} (${error.code})`);
  process.exitCode = 1;
} finally {
  await scale.leave();
}
