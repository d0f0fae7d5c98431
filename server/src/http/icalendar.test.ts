/** The iCalendar text (icalendar.ts): escaping, folding at 75 octets, CRLF, UTC times. */
import { describe, expect, it } from "vitest";
import { escapeText, foldLine, icalendar, utcStamp } from "./icalendar.ts";

describe("iCalendar feed", () => {
  it("escapes TEXT values as RFC 5545 §3.3.11 says", () => {
    expect(escapeText("a\\b;c,d\ne\r\nf")).toBe("a\\\\b\\;c\\,d\\ne\\nf");
    expect(escapeText("bell\u0007 ok")).toBe("bell ok");
    expect(escapeText("Spectro: 14:00")).toBe("Spectro: 14:00");
  });

  it("folds lines at 75 octets without splitting a UTF-8 character", () => {
    const long = "SUMMARY:" + "é".repeat(100);
    const folded = foldLine(long);
    const lines = folded.split("\r\n");
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(Buffer.byteLength(line, "utf8")).toBeLessThanOrEqual(75);
    for (const line of lines.slice(1)) expect(line.startsWith(" ")).toBe(true);
    expect(lines.map((line, i) => (i === 0 ? line : line.slice(1))).join("")).toBe(long);
    expect(foldLine("SHORT:x")).toBe("SHORT:x");
  });

  it("writes a calendar with CRLF line ends, UTC times and escaped summaries", () => {
    const text = icalendar("Spectrometer, lab 2", [
      { uid: "bk-1@baton", start: Date.UTC(2026, 11, 10, 14), end: Date.UTC(2026, 11, 10, 14, 30), stamp: Date.UTC(2026, 11, 1), summary: "Booked by O'Brien; Ann, PhD", cancelled: false },
      { uid: "bk-2@baton", start: Date.UTC(2026, 11, 11, 9), end: Date.UTC(2026, 11, 11, 10), stamp: Date.UTC(2026, 11, 2), summary: "Booked by Bob", cancelled: true },
    ]);
    expect(text.endsWith("\r\n")).toBe(true);
    expect(text.split("\r\n").every((line) => !line.includes("\n"))).toBe(true);
    expect(text).toContain("X-WR-CALNAME:Spectrometer\\, lab 2\r\n");
    expect(text).toContain("DTSTART:20261210T140000Z\r\nDTEND:20261210T143000Z\r\n");
    expect(text).toContain("SUMMARY:Booked by O'Brien\\; Ann\\, PhD\r\n");
    expect(text).toContain("STATUS:CANCELLED");
    expect(text.match(/BEGIN:VEVENT/g)).toHaveLength(2);
    expect(utcStamp(0)).toBe("19700101T000000Z");
  });
});
