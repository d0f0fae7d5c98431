import { describe, expect, it } from "vitest";
import { joinRefusalCode, withErrorCodeField } from "./joinRefusalCode.ts";

describe("the errorCode field of a refused matchmaking answer", () => {
  it("is the code the CODE: sentence text starts with", () => {
    expect(JSON.parse(withErrorCodeField(JSON.stringify({ code: 401, error: "UNAUTHORIZED: The secret is wrong." })))).toEqual({ code: 401, error: "UNAUTHORIZED: The secret is wrong.", errorCode: "UNAUTHORIZED" });
  });

  it("leaves every other body as it was", () => {
    for (const body of ["Bad Gateway", "[]", "null", JSON.stringify({ code: 522, error: "seat reservation expired." }), JSON.stringify({ code: 4, error: "NOT_A_CODE: x" }), JSON.stringify({ error: "X: y", errorCode: "SERVER_BUSY" })]) {
      expect(withErrorCodeField(body)).toBe(body);
    }
    expect(joinRefusalCode("toString: x")).toBeNull();
    expect(joinRefusalCode("RATE_LIMITED: Too many.")).toBe("RATE_LIMITED");
  });
});
