import { z } from "zod";
import { ZCheckbox, ZId } from "@/lib/validation/common";
import { PULL_POLICY_SEVERITIES, type PullPolicySeverity } from "@/lib/validation/pull-policy-severities";

/** Harbor's `severity` project metadata: the lowest severity a prevented pull refuses. */
export { PULL_POLICY_SEVERITIES, type PullPolicySeverity } from "@/lib/validation/pull-policy-severities";

export const ZPullPolicySeverity = z.enum(PULL_POLICY_SEVERITIES, { error: "Choose low, medium, high or critical" });

/** At most this many ids in one allowlist. */
export const MAX_ALLOWLIST_IDS = 1_000;

/** A vulnerability id as advisories spell them: CVE-2024-1234, GHSA-xxxx-xxxx-xxxx, DSA-5678-1, … */
export const ALLOWLIST_ID = /^[A-Za-z][A-Za-z0-9]*-[A-Za-z0-9][A-Za-z0-9._:-]{0,62}$/;

/** Ids one per line, or separated by commas or spaces; duplicates dropped, case kept as typed. */
export const ZCveIdList = z
  .union([z.string(), z.array(z.string())], { error: "List vulnerability ids, e.g. CVE-2024-1234" })
  .transform((value) => (Array.isArray(value) ? value : value.split(/[\s,]+/)).map((id) => id.trim()).filter((id) => id !== ""))
  .pipe(
    z
      .array(z.string().regex(ALLOWLIST_ID, "Each entry must be a vulnerability id such as CVE-2024-1234 or GHSA-xxxx-xxxx-xxxx"))
      .max(MAX_ALLOWLIST_IDS, `At most ${MAX_ALLOWLIST_IDS} ids`)
      .transform((ids) => [...new Set(ids)]),
  );

/** An expiry date (YYYY-MM-DD, the end of that day UTC) or empty for "never". */
export const ZAllowlistExpiry = z
  .union([z.string(), z.date(), z.null(), z.undefined()])
  .transform((value, ctx) => {
    if (value === null || value === undefined || value === "") return null;
    if (value instanceof Date) return value;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) {
      ctx.addIssue({ code: "custom", message: "Use a date such as 2027-06-30, or leave empty for never" });
      return z.NEVER;
    }
    const date = new Date(`${value}T23:59:59.999Z`);
    if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
      ctx.addIssue({ code: "custom", message: "Not a date" });
      return z.NEVER;
    }
    return date;
  });

export const ZCveAllowlist = z.object({ cveIds: ZCveIdList, expiresAt: ZAllowlistExpiry });
export type TCveAllowlist = z.infer<typeof ZCveAllowlist>;

/** The project's Deployment security form: every setting posted (an unticked box is "off"). */
export const ZUpdatePullPolicy = z.object({
  projectId: ZId,
  preventVulnerable: ZCheckbox,
  vulnerabilitySeverity: ZPullPolicySeverity,
  refuseUnscanned: ZCheckbox,
  requireSignature: ZCheckbox,
  reuseSystemCveAllowlist: ZCheckbox,
  cveIds: ZCveIdList,
  cveExpiresAt: ZAllowlistExpiry,
});

/** The system allowlist's form (Administration → Settings). */
export const ZUpdateSystemCveAllowlist = z.object({ cveIds: ZCveIdList, cveExpiresAt: ZAllowlistExpiry });

/** Pull policy settings as the project service takes them; each left out stays as it is. */
export type TPullPolicySettings = {
  preventVulnerable?: boolean;
  vulnerabilitySeverity?: PullPolicySeverity;
  refuseUnscanned?: boolean;
  requireSignature?: boolean;
  reuseSystemCveAllowlist?: boolean;
  cveAllowlist?: TCveAllowlist;
};
