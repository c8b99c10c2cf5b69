/**
 * The one way the console writes a point in time: ISO 8601 order, 24-hour clock, always UTC, the
 * same in English and Chinese (`2026-01-31 13:45:07 UTC`). Tables, detail pages, job logs and the
 * audit filter's inputs all use it, so a time copied from a table can be pasted into a filter.
 * Pure and zone-independent (no Intl time zone lookups), so server and browser render the same text
 * and hydration never differs.
 */
export type DateTimePrecision = "day" | "minute" | "second";

function toDate(value: Date | string | number): Date {
  return value instanceof Date ? value : new Date(value);
}

/** `2026-01-31 13:45:07` (or to the minute, or the day), UTC, without the zone suffix. */
export function formatUtc(value: Date | string | number, precision: DateTimePrecision = "second"): string {
  const iso = toDate(value).toISOString();
  if (precision === "day") return iso.slice(0, 10);
  return iso.slice(0, precision === "minute" ? 16 : 19).replace("T", " ");
}

/** `2026-01-31 13:45:07 UTC`; "—" for no time. */
export function formatDateTime(value: Date | string | number | null | undefined, precision: Exclude<DateTimePrecision, "day"> = "second"): string {
  if (value === null || value === undefined) return "—";
  return `${formatUtc(value, precision)} UTC`;
}

/** `2026-01-31` (UTC). */
export function formatDate(value: Date | string | number): string {
  return formatUtc(value, "day");
}

/** `13:45:07 UTC`. */
export function formatTimeOfDay(value: Date | string | number): string {
  return `${toDate(value).toISOString().slice(11, 19)} UTC`;
}

/** The machine-readable form for `<time dateTime>`. */
export function isoDateTime(value: Date | string | number): string {
  return toDate(value).toISOString();
}

/** Numbers with the locale's grouping (1,234 in both of our languages). */
export function formatNumber(n: number, locale: string): string {
  return new Intl.NumberFormat(locale).format(n);
}
