import { describe, expect, it } from "vitest";
import { fromJoinFailure } from "./errors.ts";

/** What Colyseus raises for a refused matchmaking answer, with the body put back (joinRefusals.ts). */
function refusal(status: number, text: string, data?: unknown): Error {
  return Object.assign(new Error(text), { code: status }, data === undefined ? {} : { data });
}

describe("a join refusal", () => {
  it("takes its code from the answer's errorCode field, not from the text", () => {
    const error = fromJoinFailure(refusal(525, "the server says no", { code: 525, error: "the server says no", errorCode: "UNKNOWN_DEVICE" }), "d");
    expect(error).toMatchObject({ code: "UNKNOWN_DEVICE", status: 525, message: "The server says no.", request: "join" });
  });

  it("shows the sentence without the CODE: prefix the text keeps for older clients", () => {
    const text = 'UNAUTHORIZED: The secret for device "d" is wrong.';
    expect(fromJoinFailure(refusal(401, text, { code: 401, error: text, errorCode: "UNAUTHORIZED" }), "d"))
      .toMatchObject({ code: "UNAUTHORIZED", message: 'The secret for device "d" is wrong.' });
  });

  it("still reads the prefix from a server that predates the field", () => {
    expect(fromJoinFailure(refusal(404, 'UNKNOWN_DEVICE: no device "d" is registered.'), "d")).toMatchObject({ code: "UNKNOWN_DEVICE", message: 'No device "d" is registered.' });
    expect(fromJoinFailure(refusal(502, "Bad Gateway"), "d")).toMatchObject({ code: "HTTP_ERROR", status: 502 });
  });
});
