/**
 * `answerWith`: outside production an answer that does not match its wire schema is a logged
 * 500 INTERNAL_ERROR (a drift every test sees); in production the body is sent unchecked.
 */
import type { Response } from "express";
import { describe, expect, it } from "vitest";
import { Liveness } from "@baton/protocol/http";
import { answerWith } from "./respond.ts";

function fakeResponse() {
  const sent: { status?: number; body?: unknown } = {};
  const response = {
    req: { method: "GET", path: "/healthz" },
    status(code: number) { sent.status = code; return response; },
    json(body: unknown) { sent.body = body; return response; },
  };
  return { response: response as unknown as Response, sent };
}

function services(mode: string) {
  const errors: unknown[] = [];
  return { errors, config: { mode }, logger: { error: (fields: unknown) => void errors.push(fields) } };
}

describe("answerWith", () => {
  it("sends a matching body with its status", () => {
    const { response, sent } = fakeResponse();
    answerWith(services("test"))(response, Liveness, { status: "ok" }, 200);
    expect(sent).toEqual({ status: 200, body: { status: "ok" } });
  });

  it("outside production, answers 500 INTERNAL_ERROR and logs when the body drifted from its schema", () => {
    const { response, sent } = fakeResponse();
    const development = services("development");
    answerWith(development)(response, Liveness, { status: "fine" } as never);
    expect(sent.status).toBe(500);
    expect(sent.body).toMatchObject({ code: "INTERNAL_ERROR" });
    expect(development.errors).toMatchObject([{ event: "http.answer_mismatch", path: "/healthz" }]);
  });

  it("in production, sends the body without parsing it", () => {
    const { response, sent } = fakeResponse();
    const production = services("production");
    answerWith(production)(response, Liveness, { status: "fine" } as never);
    expect(sent).toEqual({ status: 200, body: { status: "fine" } });
    expect(production.errors).toEqual([]);
  });
});
