import cronParser from "cron-parser";
import { z } from "zod";
import { ZCheckbox } from "@/lib/validation/common";

/**
 * The audit log's purge policy (Harbor: Clean Up → Audit log purge) and its syslog forwarding
 * (Harbor: audit_log_forward_endpoint). Shared by the policy page's actions and the REST API.
 */

export const RETENTION_DAYS_MAX = 36500;

/** Schedule presets, as Harbor offers them; times are UTC. `custom` takes a cron expression. */
export const SCHEDULE_PRESETS = {
  none: null,
  hourly: "0 * * * *",
  daily: "0 0 * * *",
  weekly: "0 0 * * 0",
} as const;

export type SchedulePreset = keyof typeof SCHEDULE_PRESETS | "custom";

/**
 * A 5-field cron expression (minute resolution, as pg-boss's scheduler runs), checked with the
 * same parser pg-boss uses, so an expression saved here is one the scheduler accepts.
 */
export const ZCronExpression = z
  .string()
  .trim()
  .min(1, "Enter a cron expression")
  .max(100, "At most 100 characters")
  .refine((v) => v.split(/\s+/).length === 5, { message: "Use 5 fields: minute hour day-of-month month day-of-week (UTC)", abort: true })
  .refine((v) => {
    try {
      cronParser.parseExpression(v, { tz: "UTC" });
      return true;
    } catch {
      return false;
    }
  }, "Not a valid cron expression");

const ZRetentionDays = z.coerce
  .number({ error: "Enter a number of days" })
  .int("Enter a whole number of days")
  .min(1, "Keep at least 1 day")
  .max(RETENTION_DAYS_MAX, `At most ${RETENTION_DAYS_MAX} days (100 years)`);

const ZPurgePolicyFormFields = z.object({
  retentionDays: ZRetentionDays,
  schedulePreset: z.enum(["none", "hourly", "daily", "weekly", "custom"], { error: "Choose a schedule" }),
  cron: z.string().optional(),
  enabled: ZCheckbox,
});

/**
 * The form's shape: a preset, and the cron text only when the preset is `custom`. The cron is
 * checked even when another field is wrong (a transform on the object would not run then), so
 * one answer names every field at fault.
 */
export const ZPurgePolicyForm = z.record(z.string(), z.unknown()).transform((raw, ctx) => {
  const base = ZPurgePolicyFormFields.safeParse(raw);
  const cron = raw.schedulePreset === "custom" ? ZCronExpression.safeParse(raw.cron ?? "") : undefined;
  if (!base.success || (cron && !cron.success)) {
    for (const issue of base.error?.issues ?? []) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
    for (const issue of cron?.error?.issues ?? []) ctx.addIssue({ code: "custom", path: ["cron"], message: issue.message });
    return z.NEVER;
  }
  const { retentionDays, enabled, schedulePreset } = base.data;
  const schedule = schedulePreset === "custom" ? (cron?.data ?? null) : SCHEDULE_PRESETS[schedulePreset];
  return { retentionDays, enabled, schedule };
});

/** What is stored (SystemSetting `audit_purge_policy`) and what the service takes. */
export const ZPurgePolicy = z.object({
  retentionDays: ZRetentionDays,
  /** A cron expression (UTC), or null for "no schedule": purge only when an administrator asks. */
  schedule: ZCronExpression.nullable(),
  /** Off: the schedule does not run (a manual purge still does). */
  enabled: z.boolean(),
});

export type TPurgePolicy = z.infer<typeof ZPurgePolicy>;

/** Which preset a stored cron expression is, for the form. */
export function presetOf(schedule: string | null): SchedulePreset {
  for (const [preset, cron] of Object.entries(SCHEDULE_PRESETS)) if (cron === schedule) return preset as SchedulePreset;
  return "custom";
}

/** IPv4 dotted quad, or IPv6 as the URL parser accepts it (no node:net, so forms may import this file). */
function isIpAddress(v: string): boolean {
  if (/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(v)) return true;
  if (!/^[0-9a-f:.]+$/i.test(v) || !v.includes(":")) return false;
  try {
    new URL(`http://[${v}]/`);
    return true;
  } catch {
    return false;
  }
}

/** A host name (RFC 1123 labels) or an IP address; no scheme, no port. */
const ZHost = z
  .string()
  .trim()
  .min(1, "Enter a host name or address")
  .max(253, "At most 253 characters")
  .refine(
    (v) => isIpAddress(v.replace(/^\[|\]$/g, "")) || /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(v),
    "Enter a host name or an IP address (no scheme, no port)",
  )
  .transform((v) => v.replace(/^\[|\]$/g, ""));

const ZPort = z.coerce.number({ error: "Enter a port" }).int("Enter a whole number").min(1, "Ports are 1–65535").max(65535, "Ports are 1–65535");

/**
 * Syslog forwarding (TCP). The endpoint is required only when forwarding is on, so an
 * administrator can switch it off without clearing the fields.
 */
export const ZForwardingSettings = z
  .object({
    enabled: ZCheckbox,
    host: z.string().nullish(),
    port: z.union([z.string(), z.number()]).nullish(),
  })
  .transform((v, ctx) => {
    const blank = (x: unknown) => x === undefined || x === null || (typeof x === "string" && x.trim() === "");
    if (!v.enabled && blank(v.host) && blank(v.port)) return { enabled: false, host: null, port: null };
    const host = ZHost.safeParse(v.host ?? "");
    const port = ZPort.safeParse(v.port ?? "");
    if (!host.success) for (const i of host.error.issues) ctx.addIssue({ code: "custom", path: ["host"], message: i.message });
    if (!port.success) for (const i of port.error.issues) ctx.addIssue({ code: "custom", path: ["port"], message: i.message });
    if (!host.success || !port.success) return z.NEVER;
    return { enabled: v.enabled, host: host.data, port: port.data };
  });

export type TForwardingSettings = { enabled: boolean; host: string | null; port: number | null };
