import { z } from "zod";
import { singleLine } from "@/lib/validation/common";
import { CONSOLE_DEFAULT_PAGE_SIZE, pageSizeField } from "@/lib/validation/pagination";

/**
 * The audit log viewer's filter, shared by the system Audit log page, a project's Logs tab, the CSV
 * export and the REST routes (which translate Harbor's `q` into it). The console keeps it in the
 * URL's search parameters (short names: `user`, `op`, `type`, `resource`, `project`, `result`,
 * `from`, `to`, `size`, `cursor`) so a filtered view can be linked and bookmarked.
 */

export const AUDIT_PAGE_SIZE_DEFAULT = CONSOLE_DEFAULT_PAGE_SIZE;

/** Search parameters arrive as `string | string[]`; a repeated key counts by its first value. */
function first(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

/** An optional text filter: blank means "no filter". */
function optionalText(max: number) {
  return z.preprocess(
    (v) => {
      const s = first(v);
      if (typeof s !== "string") return s;
      const t = s.trim();
      return t === "" ? undefined : t;
    },
    singleLine(z.string({ error: "Must be text" })).max(max, `At most ${max} characters`).optional(),
  );
}

/** `alice` (exact) or `ali*` (starts with); the star only at the end. */
export const ZAuditUserFilter = optionalText(255)
  .refine((v) => v === undefined || !v.slice(0, -1).includes("*"), { message: "Use * only at the end (e.g. ali* for names starting with ali)" })
  .refine((v) => v === undefined || !v.includes(","), { message: "A user name has no commas" });

/**
 * The start of a resource name (`library/nginx` finds `library/nginx:1.25`). A prefix rather than
 * "contains": it is one index range on millions of rows. No commas (the REST `q` separator).
 */
export const ZAuditResourceFilter = optionalText(512).refine((v) => v === undefined || !v.includes(","), {
  message: "A resource name has no commas",
});

/** A full action (`artifact.delete`) or just a verb (`delete`: every `<resource>.delete`). */
export const ZAuditOperationFilter = optionalText(64).refine((v) => v === undefined || /^[a-z0-9_]+(\.[a-z0-9_]+)*$/i.test(v), {
  message: "An operation such as artifact.delete, or a verb such as delete",
});

export const ZAuditResourceTypeFilter = optionalText(64).refine((v) => v === undefined || /^[a-z0-9_.-]+$/i.test(v), {
  message: "A resource type such as artifact, project or user",
});

/** A project id or name (only for the system view; a project's own tab is scoped already). */
export const ZAuditProjectFilter = optionalText(255).refine((v) => v === undefined || /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(v), {
  message: "A project id or name",
});

export const ZAuditResultFilter = z.preprocess(
  (v) => (first(v) === "" ? undefined : first(v)),
  z.enum(["success", "failure"], { error: "Either success or failure" }).optional(),
);

/**
 * A point in time, read as UTC: the form's value in the table's format (`2026-01-01 10:00:00`, or
 * to the minute, or `2026-01-01T10:00`), a date, or
 * a full ISO timestamp with its own offset. The console shows every time in UTC, so a value without
 * an offset means UTC too.
 */
export const ZAuditTime = z.preprocess(
  (v) => {
    const s = first(v);
    if (s instanceof Date) return s;
    if (typeof s !== "string" || s.trim() === "") return undefined;
    const t = s.trim().replace(" ", "T");
    const withZone = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(t) ? t : /^\d{4}-\d{2}-\d{2}$/.test(t) ? `${t}T00:00:00Z` : `${t}Z`;
    const d = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(withZone) ? new Date(withZone) : new Date(NaN);
    return d;
  },
  z.date({ error: "A date and time in UTC, e.g. 2026-01-31 13:45:00" }).optional(),
);

/** The opaque keyset cursor (see audit-query.ts); checked for shape here, decoded by the service. */
export const ZAuditCursor = optionalText(200).refine((v) => v === undefined || /^[A-Za-z0-9_-]+$/.test(v), {
  message: "Not a valid page cursor (follow the Newer/Older links)",
});

/** The shared page size; a bad value is shown as the field's error (not replaced). */
export const ZAuditPageSize = pageSizeField(AUDIT_PAGE_SIZE_DEFAULT);

/** The filter alone (what the export and the `audit_log.export` row's detail carry). */
export const ZAuditFilter = z
  .object({
    user: ZAuditUserFilter,
    op: ZAuditOperationFilter,
    type: ZAuditResourceTypeFilter,
    resource: ZAuditResourceFilter,
    /** Exact resource name (REST `q=resource=x`; the console searches by prefix). */
    resourceIs: optionalText(512),
    project: ZAuditProjectFilter,
    result: ZAuditResultFilter,
    from: ZAuditTime,
    to: ZAuditTime,
  })
  .superRefine((f, ctx) => {
    if (f.from && f.to && f.from > f.to) ctx.addIssue({ code: "custom", path: ["to"], message: "Must not be before From" });
  });
export type TAuditFilter = z.output<typeof ZAuditFilter>;

/** The console's search parameters: the filter plus page size and cursor. */
export const ZAuditLogSearch = z
  .object({
    user: ZAuditUserFilter,
    op: ZAuditOperationFilter,
    type: ZAuditResourceTypeFilter,
    resource: ZAuditResourceFilter,
    project: ZAuditProjectFilter,
    result: ZAuditResultFilter,
    from: ZAuditTime,
    to: ZAuditTime,
    size: ZAuditPageSize,
    cursor: ZAuditCursor,
  })
  .superRefine((f, ctx) => {
    if (f.from && f.to && f.from > f.to) ctx.addIssue({ code: "custom", path: ["to"], message: "Must not be before From" });
  });
export type TAuditLogSearch = z.output<typeof ZAuditLogSearch>;

/** The filter as search parameters again (for the Newer/Older and Export links). */
export function auditFilterParams(filter: Partial<TAuditFilter>): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of ["user", "op", "type", "resource", "project", "result"] as const) {
    const value = filter[key];
    if (value) params.set(key, value);
  }
  if (filter.from) params.set("from", filter.from.toISOString());
  if (filter.to) params.set("to", filter.to.toISOString());
  return params;
}

/**
 * Harbor's `q` for the audit log: comma-separated `key=value` terms, `key=~value` for a fuzzy
 * match and `op_time=[from~to]` for a time range (either end may be empty). Wharf reads a fuzzy
 * `username`/`resource` as "starts with" (an index range on millions of rows; Harbor's "contains"
 * is a full scan there). Returns the raw filter for ZAuditFilter, or the first problem in words.
 */
export const AUDIT_Q_KEYS = ["username", "operation", "resource_type", "resource", "project_id", "project", "result", "op_time"] as const;

export function parseAuditQ(q: string | null): { ok: true; filter: Record<string, string> } | { ok: false; message: string } {
  const filter: Record<string, string> = {};
  if (q === null || q.trim() === "") return { ok: true, filter };
  const seen = new Set<string>();
  // Commas separate terms; a range's brackets never contain one.
  for (const raw of q.split(",")) {
    const term = raw.trim();
    if (term === "") continue;
    const eq = term.indexOf("=");
    if (eq <= 0) return { ok: false, message: `q: "${term}" is not a key=value term` };
    const key = term.slice(0, eq).trim().toLowerCase();
    let value = term.slice(eq + 1).trim();
    if (!(AUDIT_Q_KEYS as readonly string[]).includes(key)) {
      return { ok: false, message: `q: unsupported key "${key}" (supported: ${AUDIT_Q_KEYS.join(", ")})` };
    }
    if (seen.has(key)) return { ok: false, message: `q: "${key}" is given more than once` };
    seen.add(key);
    const fuzzy = value.startsWith("~");
    if (fuzzy) value = value.slice(1);
    if (key === "op_time") {
      const m = /^\[([^~\]]*)~([^~\]]*)\]$/.exec(value);
      if (fuzzy || !m) return { ok: false, message: "q: op_time must be a range [from~to], e.g. op_time=[2026-01-01 00:00:00~2026-01-02 00:00:00]" };
      if (m[1]!.trim()) filter.from = m[1]!.trim();
      if (m[2]!.trim()) filter.to = m[2]!.trim();
      continue;
    }
    if (/^[[{(]/.test(value)) return { ok: false, message: `q: ranges and lists are supported only for op_time (use ${key}=value)` };
    if (value === "") return { ok: false, message: `q: "${key}" needs a value` };
    if (fuzzy && key !== "username" && key !== "resource") return { ok: false, message: `q: "${key}" supports only ${key}=value (no ~)` };
    switch (key) {
      case "username":
        if (value.includes("*")) return { ok: false, message: "q: username has no * (use username=~prefix)" };
        filter.user = fuzzy ? `${value}*` : value;
        break;
      case "operation":
        filter.op = value;
        break;
      case "resource_type":
        filter.type = value;
        break;
      case "resource":
        if (fuzzy) filter.resource = value;
        else filter.resourceIs = value;
        break;
      case "project_id":
        if (!/^\d+$/.test(value)) return { ok: false, message: "q: project_id must be a number" };
        if (filter.project !== undefined) return { ok: false, message: "q: give project_id or project, not both" };
        filter.project = value;
        break;
      case "project":
        if (filter.project !== undefined) return { ok: false, message: "q: give project_id or project, not both" };
        filter.project = value;
        break;
      case "result":
        filter.result = value;
        break;
    }
  }
  return { ok: true, filter };
}

/** The REST `q` names of the filter's fields, for error messages. */
export const AUDIT_Q_FIELD_NAMES: Record<string, string> = {
  user: "username",
  op: "operation",
  type: "resource_type",
  resource: "resource",
  resourceIs: "resource",
  project: "project",
  result: "result",
  from: "op_time",
  to: "op_time",
};

/** The filter as Harbor's `q` (what the console's Export CSV link sends to the REST API). */
export function auditFilterToQ(filter: Partial<TAuditFilter>): string {
  const terms: string[] = [];
  if (filter.user) terms.push(filter.user.endsWith("*") ? `username=~${filter.user.slice(0, -1)}` : `username=${filter.user}`);
  if (filter.op) terms.push(`operation=${filter.op}`);
  if (filter.type) terms.push(`resource_type=${filter.type}`);
  if (filter.resource) terms.push(`resource=~${filter.resource}`);
  if (filter.resourceIs) terms.push(`resource=${filter.resourceIs}`);
  if (filter.project) terms.push(`project=${filter.project}`);
  if (filter.result) terms.push(`result=${filter.result}`);
  if (filter.from || filter.to) terms.push(`op_time=[${filter.from?.toISOString() ?? ""}~${filter.to?.toISOString() ?? ""}]`);
  return terms.join(",");
}
