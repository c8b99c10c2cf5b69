import "server-only";
import { db } from "@/lib/db/client";
import { Prisma } from "@/lib/generated/prisma/client";
import { ValidationError } from "@/lib/errors";
import type { TAuditFilter } from "@/lib/validation/audit";

/**
 * The audit log's query engine, shared by the viewer pages, the REST routes and the CSV export.
 *
 * The table grows to millions of rows (Harbor's audit page times out there, goharbor/harbor
 * #13514), so every read is shaped for an index:
 * - order is always (occurred_at DESC, id DESC); every filter column has an index
 *   `(column, occurred_at DESC, id DESC)` (schema.prisma), so "filter + newest first + LIMIT" is one
 *   short range scan;
 * - paging is keyset: a cursor holds the last row's (occurred_at, id) and the next page starts with
 *   the row comparison `(occurred_at, id) < (t, id)`, which Postgres evaluates inside the index, so
 *   page 10,000 costs what page 1 costs (OFFSET would walk every skipped row);
 * - "more?" is answered by fetching pageSize + 1 rows, never by COUNT(*);
 * - the optional total is counted up to 10,001 rows within a small time budget ("10,000+").
 * Raw SQL rather than Prisma's findMany: Prisma writes the keyset condition as an OR, which
 * Postgres cannot use as an index bound.
 */

/** What the services hand out per row: every column, ids as strings (BigInt is not JSON). */
export type AuditEventRow = {
  id: string;
  occurredAt: Date;
  principalKind: string;
  actorId: number | null;
  actorName: string;
  /** False: actorName is a name claimed in a failed sign-in, not a proven actor (show with actorLabel). */
  actorVerified: boolean;
  action: string;
  resourceType: string;
  resourceId: string | null;
  resourceName: string | null;
  projectId: number | null;
  /** The project's current name, if it still exists. */
  projectName: string | null;
  result: "success" | "failure";
  reason: string | null;
  clientIp: string | null;
  userAgent: string | null;
  detail: unknown;
  /** How many identical refusals within one minute this row stands for (1 for every other row). */
  repeatCount: number;
};

/** A filter resolved to column conditions (project names to ids, verbs to actions). */
export type ResolvedAuditFilter = {
  user?: { op: "exact" | "prefix"; value: string };
  /** One action, or every action in the list (a verb); an empty list matches nothing. */
  actions?: string[];
  resourceType?: string;
  /** The resource name starts with this (case-sensitive, one index range). */
  resourcePrefix?: string;
  /** Exact resource name (REST `resource=x`). */
  resourceExact?: string;
  projectId?: number;
  result?: "success" | "failure";
  from?: Date;
  to?: Date;
};

export type AuditKey = { occurredAt: Date; id: bigint };
export type AuditCursor = AuditKey & { direction: "older" | "newer" };

/** The cursor is opaque to callers: base64url of `<o|n>.<epoch ms>.<id>`. */
export function encodeCursor(cursor: AuditCursor): string {
  const raw = `${cursor.direction === "older" ? "o" : "n"}.${cursor.occurredAt.getTime()}.${cursor.id}`;
  return Buffer.from(raw, "utf8").toString("base64url");
}

export function decodeCursor(value: string, field = "cursor"): AuditCursor {
  const raw = /^[A-Za-z0-9_-]{1,200}$/.test(value) ? Buffer.from(value, "base64url").toString("utf8") : "";
  const m = /^([on])\.(\d{1,15})\.(\d{1,19})$/.exec(raw);
  if (!m) throw new ValidationError(`${field}: not a valid page cursor (follow the Newer/Older or Link URLs)`, { [field]: ["Not a valid page cursor"] });
  return { direction: m[1] === "o" ? "older" : "newer", occurredAt: new Date(Number(m[2])), id: BigInt(m[3]!) };
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The WHERE clause of a filter (always at least `TRUE`). */
export function whereOf(filter: ResolvedAuditFilter): Prisma.Sql {
  const conds: Prisma.Sql[] = [];
  if (filter.projectId !== undefined) conds.push(Prisma.sql`project_id = ${filter.projectId}`);
  if (filter.user?.op === "exact") conds.push(Prisma.sql`actor_name = ${filter.user.value}`);
  if (filter.user?.op === "prefix") conds.push(Prisma.sql`actor_name LIKE ${`${escapeLike(filter.user.value)}%`}`);
  if (filter.actions) {
    conds.push(filter.actions.length === 0 ? Prisma.sql`FALSE` : filter.actions.length === 1 ? Prisma.sql`action = ${filter.actions[0]}` : Prisma.sql`action IN (${Prisma.join(filter.actions)})`);
  }
  if (filter.resourceType !== undefined) conds.push(Prisma.sql`resource_type = ${filter.resourceType}`);
  if (filter.resourceExact !== undefined) conds.push(Prisma.sql`resource_name = ${filter.resourceExact}`);
  if (filter.resourcePrefix !== undefined) conds.push(Prisma.sql`resource_name LIKE ${`${escapeLike(filter.resourcePrefix)}%`}`);
  if (filter.result !== undefined) conds.push(Prisma.sql`result = ${filter.result}::"AuditResult"`);
  if (filter.from) conds.push(Prisma.sql`occurred_at >= ${filter.from.toISOString()}::timestamptz`);
  if (filter.to) conds.push(Prisma.sql`occurred_at <= ${filter.to.toISOString()}::timestamptz`);
  return conds.length ? Prisma.join(conds, " AND ") : Prisma.sql`TRUE`;
}

/** A row of audit_events as raw SQL returns it (snake_case columns, enums as text). */
export type RawAuditRow = {
  id: bigint;
  occurred_at: Date;
  principal_kind: string;
  actor_id: number | null;
  actor_name: string;
  actor_verified: boolean;
  action: string;
  resource_type: string;
  resource_id: string | null;
  resource_name: string | null;
  project_id: number | null;
  result: "success" | "failure";
  reason: string | null;
  client_ip: string | null;
  user_agent: string | null;
  detail: unknown;
  repeat_count: number;
};

export const AUDIT_COLUMNS_SQL = Prisma.sql`id, occurred_at, principal_kind::text AS principal_kind, actor_id, actor_name, actor_verified, action,
  resource_type, resource_id, resource_name, project_id, result::text AS result, reason, client_ip, user_agent, detail, repeat_count`;
const COLUMNS = AUDIT_COLUMNS_SQL;

/**
 * Up to `limit` rows after `after` in the walk's direction: "older" walks newest-first from the
 * key (or from the top without one), "newer" walks oldest-first above the key.
 */
export async function fetchAuditRows(
  filter: ResolvedAuditFilter,
  options: { limit: number; after?: AuditCursor | undefined; offset?: number },
): Promise<RawAuditRow[]> {
  const where = whereOf(filter);
  const { after, limit } = options;
  if (after?.direction === "newer") {
    return db.$queryRaw<RawAuditRow[]>`SELECT ${COLUMNS} FROM audit_events
      WHERE ${where} AND (occurred_at, id) > (${after.occurredAt.toISOString()}::timestamptz, ${after.id}::bigint)
      ORDER BY occurred_at ASC, id ASC LIMIT ${limit}`;
  }
  const keyset = after ? Prisma.sql`AND (occurred_at, id) < (${after.occurredAt.toISOString()}::timestamptz, ${after.id}::bigint)` : Prisma.empty;
  const offset = options.offset ? Prisma.sql`OFFSET ${options.offset}` : Prisma.empty;
  return db.$queryRaw<RawAuditRow[]>`SELECT ${COLUMNS} FROM audit_events
    WHERE ${where} ${keyset}
    ORDER BY occurred_at DESC, id DESC LIMIT ${limit} ${offset}`;
}

/** Rows to the services' shape, with the current name of each project (one query per batch). */
export async function toAuditRows(raw: RawAuditRow[]): Promise<AuditEventRow[]> {
  const projectIds = [...new Set(raw.map((r) => r.project_id).filter((id): id is number => id !== null))];
  const projects = projectIds.length ? await db.project.findMany({ where: { id: { in: projectIds } }, select: { id: true, name: true } }) : [];
  const names = new Map(projects.map((p) => [p.id, p.name]));
  return raw.map((r) => ({
    id: r.id.toString(),
    occurredAt: r.occurred_at,
    principalKind: r.principal_kind,
    actorId: r.actor_id,
    actorName: r.actor_name,
    actorVerified: r.actor_verified,
    action: r.action,
    resourceType: r.resource_type,
    resourceId: r.resource_id,
    resourceName: r.resource_name,
    projectId: r.project_id,
    projectName: r.project_id === null ? null : (names.get(r.project_id) ?? null),
    result: r.result,
    reason: r.reason,
    clientIp: r.client_ip,
    userAgent: r.user_agent,
    detail: r.detail,
    repeatCount: r.repeat_count,
  }));
}

export function keyOf(row: { occurred_at: Date; id: bigint }): AuditKey {
  return { occurredAt: row.occurred_at, id: row.id };
}

export type AuditPage = {
  rows: AuditEventRow[];
  pageSize: number;
  /** Cursor of the next older page, null at the oldest row. */
  older: string | null;
  /** Cursor of the next newer page, null on the first page. */
  newer: string | null;
};

/**
 * One page of a keyset walk. Without a cursor: the newest rows. "newer" pages that reach the top
 * return the first page instead (so the first page is always full and stable).
 */
export async function auditPage(filter: ResolvedAuditFilter, pageSize: number, cursor?: AuditCursor, offset = 0): Promise<AuditPage> {
  if (cursor?.direction === "newer") {
    const raw = await fetchAuditRows(filter, { limit: pageSize + 1, after: cursor });
    if (raw.length <= pageSize) return auditPage(filter, pageSize);
    const rows = raw.slice(0, pageSize).reverse();
    return {
      rows: await toAuditRows(rows),
      pageSize,
      newer: encodeCursor({ ...keyOf(rows[0]!), direction: "newer" }),
      older: encodeCursor({ ...keyOf(rows[rows.length - 1]!), direction: "older" }),
    };
  }
  const raw = await fetchAuditRows(filter, { limit: pageSize + 1, after: cursor, offset: cursor ? 0 : offset });
  const rows = raw.slice(0, pageSize);
  return {
    rows: await toAuditRows(rows),
    pageSize,
    newer: cursor && rows.length ? encodeCursor({ ...keyOf(rows[0]!), direction: "newer" }) : null,
    older: raw.length > pageSize ? encodeCursor({ ...keyOf(rows[rows.length - 1]!), direction: "older" }) : null,
  };
}

export const COUNT_BOUND = 10_000;

/**
 * How many rows match, counted up to COUNT_BOUND + 1 and within `budgetMs`: `{ count, exact }`, or
 * null when the budget ran out (a filter no index serves well). Never a COUNT(*) over millions.
 */
export async function boundedCount(filter: ResolvedAuditFilter, budgetMs = 60): Promise<{ count: number; exact: boolean } | null> {
  const where = whereOf(filter);
  try {
    const n = await db.$transaction(async (tx) => {
      // SET LOCAL takes no bind parameters; the value is our own integer.
      await tx.$executeRawUnsafe(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(budgetMs))}`);
      const [row] = await tx.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM (SELECT 1 FROM audit_events WHERE ${where} LIMIT ${COUNT_BOUND + 1}) s`;
      return row?.n ?? 0;
    });
    return n > COUNT_BOUND ? { count: COUNT_BOUND, exact: false } : { count: n, exact: true };
  } catch (err) {
    if (isStatementTimeout(err)) return null;
    throw err;
  }
}

function isStatementTimeout(err: unknown): boolean {
  const text = err instanceof Error ? `${err.message} ${String((err as { cause?: unknown }).cause ?? "")}` : String(err);
  return /statement timeout|57014|canceling statement/i.test(text);
}

/**
 * Every distinct action recorded, by a loose index scan over the (action, ...) index: one index
 * probe per distinct action instead of reading millions of rows. Used to expand a verb filter and
 * to suggest operations in the form.
 */
export async function distinctActions(): Promise<string[]> {
  const rows = await db.$queryRaw<{ action: string }[]>`
    WITH RECURSIVE t(action) AS (
      (SELECT action FROM audit_events ORDER BY action LIMIT 1)
      UNION ALL
      SELECT (SELECT a.action FROM audit_events a WHERE a.action > t.action ORDER BY a.action LIMIT 1) FROM t WHERE t.action IS NOT NULL
    )
    SELECT action FROM t WHERE action IS NOT NULL`;
  return rows.map((r) => r.action);
}

/** The verb of an action: its last segment (`index.reconcile.start` -> `start`). */
export function verbOf(action: string): string {
  const dot = action.lastIndexOf(".");
  return dot < 0 ? action : action.slice(dot + 1);
}

/**
 * Resolves the shared filter: a project name to its id (an unknown name is a field error), a bare
 * verb to the recorded actions with that verb. `scope.projectId` scopes a project's own view; a
 * project in the filter is then ignored (the view cannot be widened from its URL).
 */
export async function resolveAuditFilter(filter: Partial<TAuditFilter>, scope: { projectId?: number } = {}): Promise<ResolvedAuditFilter> {
  const resolved: ResolvedAuditFilter = {};
  if (filter.user) {
    resolved.user = filter.user.endsWith("*") ? { op: "prefix", value: filter.user.slice(0, -1) } : { op: "exact", value: filter.user };
    if (resolved.user.op === "prefix" && resolved.user.value === "") delete resolved.user;
  }
  if (filter.op) {
    resolved.actions = filter.op.includes(".") ? [filter.op] : (await distinctActions()).filter((a) => a === filter.op || verbOf(a) === filter.op);
  }
  if (filter.type) resolved.resourceType = filter.type;
  if (filter.resource) resolved.resourcePrefix = filter.resource;
  if (filter.resourceIs) resolved.resourceExact = filter.resourceIs;
  if (filter.result) resolved.result = filter.result;
  if (filter.from) resolved.from = filter.from;
  if (filter.to) resolved.to = filter.to;
  if (filter.project && scope.projectId === undefined) {
    const id = /^\d+$/.test(filter.project) ? Number(filter.project) : undefined;
    const project =
      id !== undefined && id <= 2_147_483_647
        ? { id }
        : await db.project.findUnique({ where: { name: filter.project }, select: { id: true } });
    if (!project) throw new ValidationError(`project: no project named ${filter.project}`, { project: [`No project named ${filter.project}`] });
    resolved.projectId = project.id;
  }
  if (scope.projectId !== undefined) resolved.projectId = scope.projectId;
  return resolved;
}
