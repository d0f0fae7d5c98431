/**
 * The load tool's flags: defaults, and a sentence (exit 2 in the CLI) for every bad one.
 */
import { describe, expect, it } from "vitest";
import { parseDuration, parseLoadOptions, UsageError } from "../../loadtest/options.ts";

const URL_FLAG = ["--url", "http://127.0.0.1:2567"];

describe("load tool options", () => {
  it("has defaults that load the development server with devices of its own (never the quick tour's)", () => {
    const options = parseLoadOptions(URL_FLAG)!;
    expect(options).toMatchObject({
      url: "http://127.0.0.1:2567", users: 20, devices: 3, durationMs: 60_000, workers: "auto",
      tokens: { kind: "dev" },
      deviceSource: { kind: "provision", prefix: "" },
    });
    expect(parseLoadOptions([...URL_FLAG, "--device-ids", "scale-1,printer-1,lab-1"])!.deviceSource).toEqual({ kind: "ids", ids: ["scale-1", "printer-1", "lab-1"], secretPrefix: "dev-secret-" });
  });

  it("reads the issue's example command", () => {
    const options = parseLoadOptions([...URL_FLAG, "--users", "200", "--devices", "50", "--duration", "60s", "--provision", "--token-secret", "s3cret"])!;
    expect(options).toMatchObject({ users: 200, devices: 50, durationMs: 60_000, deviceSource: { kind: "provision", prefix: "" }, tokens: { kind: "secret", secret: "s3cret" } });
  });

  it("returns null for --help", () => {
    expect(parseLoadOptions(["--help"])).toBeNull();
  });

  it.each([
    [[], /--url is required/],
    [["--url", "127.0.0.1:2567"], /--url must/],
    [[...URL_FLAG, "--users", "0"], /--users must be a whole number from 1/],
    [[...URL_FLAG, "--duration", "soon"], /--duration must be a duration such as 500ms, 30s or 2m/],
    [[...URL_FLAG, "--devices", "5", "--device-ids", "a,b,c"], /--devices 5 needs 5 device ids but 3 were given.*the tool registers its own/],
    [[...URL_FLAG, "--devices", "1", "--device-ids", "a", "--device-prefix", "x-"], /--device-prefix only applies with --provision/],
    [[...URL_FLAG, "--dev-tokens", "--token-secret", "x"], /Choose one of --dev-tokens and --token-secret/],
    [[...URL_FLAG, "--provision", "--devices-file", "d.json"], /Choose one of --device-ids, --devices-file and --provision/],
    [[...URL_FLAG, "--drop-rate", "2"], /--drop-rate must be a number from 0 to 1/],
    [[...URL_FLAG, "--token-issuer", "me"], /only apply with --token-secret/],
    [[...URL_FLAG, "--bogus"], /Unknown option '--bogus'.*--help/],
  ])("%j is refused with a sentence", (argv, message) => {
    expect(() => parseLoadOptions(argv as string[])).toThrow(UsageError);
    expect(() => parseLoadOptions(argv as string[])).toThrow(message);
  });

  it("reads durations in ms, s and m", () => {
    expect([parseDuration("500ms", "--x"), parseDuration("30s", "--x"), parseDuration("2m", "--x"), parseDuration("1.5", "--x")]).toEqual([500, 30_000, 120_000, 1_500]);
  });
});
