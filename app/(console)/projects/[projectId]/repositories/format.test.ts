import { describe, expect, it } from "vitest";
import { formatTime, formatTimeToSecond } from "@/app/(console)/projects/[projectId]/repositories/format";

describe("formatTime", () => {
  it("shows a date to the second in UTC (the console's one date format, lib/format/datetime.ts)", () => {
    expect(formatTime(new Date("2026-12-05T07:41:35.123Z"))).toBe("2026-12-05 07:41:35 UTC");
    expect(formatTime("2024-01-01T00:00:00Z")).toBe("2024-01-01 00:00:00 UTC");
    expect(formatTime("1970-01-01T00:00:00Z")).toBe("1970-01-01 00:00:00 UTC");
  });

  it("shows a dash for a missing, invalid or zero date (never year 0001 or 'Invalid Date')", () => {
    expect(formatTime(null)).toBe("—");
    expect(formatTime(undefined)).toBe("—");
    expect(formatTime("")).toBe("—");
    expect(formatTime("not a date")).toBe("—");
    expect(formatTime(new Date(Number.NaN))).toBe("—");
    expect(formatTime("0001-01-01T00:00:00Z")).toBe("—");
    expect(formatTime(new Date("0001-01-01T00:00:00Z"))).toBe("—");
  });
});

describe("formatTimeToSecond", () => {
  it("shows a push time to the second in UTC, a dash for a missing one", () => {
    expect(formatTimeToSecond(new Date("2026-12-05T07:41:35.923Z"))).toBe("2026-12-05 07:41:35 UTC");
    expect(formatTimeToSecond("2024-01-01T00:00:09Z")).toBe("2024-01-01 00:00:09 UTC");
    expect(formatTimeToSecond(null)).toBe("—");
    expect(formatTimeToSecond("0001-01-01T00:00:00Z")).toBe("—");
  });
});
