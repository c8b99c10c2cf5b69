import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { projectIdsReachedByRules, roleRulesOf } from "@/lib/services/authz/role-rules";
import { groupIdsOf, memberFilter } from "@/lib/services/identity/groups";
import { db } from "@/lib/db/client";
import { ForbiddenError, UnauthenticatedError } from "@/lib/errors";
import { Prisma } from "@/lib/generated/prisma/client";
import { JOB_REGISTRY } from "@/lib/jobs/registry";
import { actorLabel } from "@/lib/services/audit/record-audit-event";
import { assertProjectPermission, findProjectRef } from "@/lib/services/authz/project-access";
import { ROLE_PERMISSIONS } from "@/lib/services/authz/project-roles";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";

/**
 * The dashboard: the landing page (systemDashboard) and a project's Summary tab (projectDashboard).
 * Every figure is one SQL aggregate (COUNT/SUM/GROUP BY in Postgres, never rows summed in JS), each
 * a range of an index (see the two dashboard migrations), so it stays fast at the benchmarks' scale.
 *
 * Who sees what:
 * - administrators and auditors (`project.list_all`): the whole registry;
 * - everyone else on the landing page: the projects they hold a role in (a membership, one of their
 *   groups', a role across projects). Public projects they hold no role in are left out on purpose: the landing page is "my registry", and other teams'
 *   public traffic would drown it; those projects' own Summary tabs show their figures to anyone
 *   who may read them.
 * - recent refusals: administrators and auditors (`audit.list`) all of them; others only those of
 *   projects whose log they may read (`log:list`, Project Admins), the same rows their Logs tab shows;
 * - jobs (health and failed runs): administrators and auditors (`system.health.read`) only. Runs are
 *   the system's, and their payloads and errors name projects, so they are never shown per project.
 */

/** Days in the traffic charts, today (UTC) included. */
export const TRAFFIC_DAYS = 30;
const TOP_PULLED = 5;
const RECENT_FAILURES = 10;
const DAY_MS = 86_400_000;

export type DashboardCounts = {
  /** Null on a project's own dashboard. */
  projects: number | null;
  repositories: number;
  /** Listed artifacts (the repositories' artifact counts: no accessories, no index-only children). */
  artifacts: number;
  storageBytes: number;
};

/** One UTC day, `YYYY-MM-DD`, with successful manifest pushes and pulls. */
export type TrafficDay = { day: string; pushes: number; pulls: number };

export type TopPulledRepository = { repositoryId: number; projectId: number; name: string; pulls: number };

export type DashboardFailure =
  | {
      kind: "request";
      id: string;
      at: string;
      action: string;
      actor: string;
      resource: string | null;
      reason: string | null;
      projectId: number | null;
      /** Identical refusals folded into this row (see recordRefusal). */
      repeatCount: number;
    }
  | { kind: "job"; id: number; at: string; jobName: string; error: string | null };

export type JobHealth = {
  jobName: string;
  lastStatus: "queued" | "running" | "succeeded" | "failed" | null;
  lastQueuedAt: string | null;
  failedLast24h: number;
  queuedNow: number;
};

export type Dashboard = {
  /** "system": every project; "member": the actor's projects; "project": one project. */
  scope: "system" | "member" | "project";
  counts: DashboardCounts;
  /** TRAFFIC_DAYS entries, oldest first, days without traffic as zeros. */
  traffic: TrafficDay[];
  topPulled: TopPulledRepository[];
  /** Newest first, at most 10; null when the actor may see none (no audit or project log read). */
  failures: DashboardFailure[] | null;
  /** One row per job Wharf runs; null when the actor may not read job runs. */
  jobHealth: JobHealth[] | null;
  /** The window: first day and the end (exclusive) as ISO instants. */
  window: { since: string; until: string };
};

/** The options every dashboard takes; `now` pins the window in tests. */
type DashboardOptions = { actor: Actor; now?: Date };

/** Which projects' rows a query may count, as a condition on a `project_id` column. */
type Scope =
  | { kind: "system" }
  /** The projects a user holds a role in: their memberships, their groups', their roles across projects'. */
  | { kind: "member"; userId: number; groupIds: number[]; ruleProjectIds: number[] }
  | { kind: "project"; projectId: number };

function projectCondition(scope: Scope, column: Prisma.Sql): Prisma.Sql {
  if (scope.kind === "system") return Prisma.sql`TRUE`;
  if (scope.kind === "project") return Prisma.sql`${column} = ${scope.projectId}`;
  // A subquery, not a list of ids from JS: Postgres plans it as a semi-join on the membership index.
  // The user's own memberships and their groups' (identity/groups.ts).
  return Prisma.sql`(${column} IN (SELECT pm.project_id FROM project_members pm WHERE pm.user_id = ${scope.userId} OR pm.group_id = ANY(${scope.groupIds}::int[])) OR ${column} = ANY(${scope.ruleProjectIds}::int[]))`;
}

/**
 * The last TRAFFIC_DAYS UTC days: from the start of the day 29 days ago to the end of today. Both
 * bounds are on occurred_at itself (not on date_trunc of it), so the index range is exact.
 */
export function trafficWindow(now: Date): { since: Date; until: Date; days: string[] } {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const since = today - (TRAFFIC_DAYS - 1) * DAY_MS;
  const days = Array.from({ length: TRAFFIC_DAYS }, (_, i) => new Date(since + i * DAY_MS).toISOString().slice(0, 10));
  return { since: new Date(since), until: new Date(today + DAY_MS), days };
}

/** The landing page: the whole registry for administrators and auditors, else the actor's projects. */
export async function systemDashboard({ actor, now = new Date() }: DashboardOptions): Promise<Dashboard> {
  if (actor.kind === "anonymous") throw new UnauthenticatedError();
  // Robots cannot sign in to the console; their grants are not "projects they are a member of".
  if (actor.kind === "robot") throw new ForbiddenError();
  // The system actor holds project.list_all, so only users reach the member scope.
  const scope: Scope = hasSystemPermission(actor, "project.list_all") || actor.kind !== "user" ? { kind: "system" } : await memberScope(actor.id);
  const seesAllFailures = hasSystemPermission(actor, "audit.list");
  const seesJobs = hasSystemPermission(actor, "system.health.read");
  // Projects whose log the actor may read: the refusals a non-auditor is shown.
  const logProjectIds =
    seesAllFailures || actor.kind !== "user" ? null : await projectsWhereMemberMay(actor.id, "log:list");
  return buildDashboard({
    scope,
    now,
    failureProjects: seesAllFailures ? "all" : logProjectIds && logProjectIds.length > 0 ? logProjectIds : null,
    withJobs: seesJobs,
  });
}

/** A project's Summary: anyone who may read the project (a private one is "not found" to others). */
export async function projectDashboard({ actor, projectId, now = new Date() }: DashboardOptions & { projectId: number }): Promise<Dashboard> {
  const project = await findProjectRef(projectId);
  const granted = await assertProjectPermission(actor, project, "project:read");
  return buildDashboard({
    scope: { kind: "project", projectId: project.id },
    now,
    failureProjects: granted.has("log:list") ? [project.id] : null,
    withJobs: false,
  });
}

async function memberScope(userId: number): Promise<Scope> {
  const groupIds = await groupIdsOf(userId);
  return { kind: "member", userId, groupIds, ruleProjectIds: await projectIdsReachedByRules(await roleRulesOf(userId, groupIds)) };
}

/** The projects where one of the user's roles (a membership, a group's, a role across projects) holds `permission`. */
async function projectsWhereMemberMay(userId: number, permission: "log:list"): Promise<number[]> {
  const roleIds = [...ROLE_PERMISSIONS].filter(([, permissions]) => permissions.has(permission)).map(([roleId]) => roleId);
  const groupIds = await groupIdsOf(userId);
  const rows = await db.projectMember.findMany({ where: { ...memberFilter(userId, groupIds), roleId: { in: roleIds } }, select: { projectId: true } });
  const rules = (await roleRulesOf(userId, groupIds)).filter((rule) => roleIds.includes(rule.roleId));
  return [...new Set([...rows.map((r) => r.projectId), ...(await projectIdsReachedByRules(rules))])];
}

async function buildDashboard(input: {
  scope: Scope;
  now: Date;
  /** "all", the projects whose refusals may be shown, or null for none. */
  failureProjects: "all" | number[] | null;
  withJobs: boolean;
}): Promise<Dashboard> {
  const { scope, now } = input;
  const window = trafficWindow(now);
  const [counts, traffic, topPulled, requestFailures, jobFailures, jobHealth] = await Promise.all([
    countsFor(scope),
    trafficFor(scope, window),
    topPulledFor(scope, window),
    input.failureProjects ? requestFailuresFor(input.failureProjects, window) : Promise.resolve(null),
    input.withJobs ? failedJobsIn(window) : Promise.resolve(null),
    input.withJobs ? jobHealthAt(now) : Promise.resolve(null),
  ]);
  const failures =
    requestFailures === null && jobFailures === null
      ? null
      : [...(requestFailures ?? []), ...(jobFailures ?? [])]
          .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
          .slice(0, RECENT_FAILURES);
  return {
    scope: scope.kind,
    counts,
    traffic,
    topPulled,
    failures,
    jobHealth,
    window: { since: window.since.toISOString(), until: window.until.toISOString() },
  };
}

async function countsFor(scope: Scope): Promise<DashboardCounts> {
  const inScope = projectCondition(scope, Prisma.sql`r.project_id`);
  // Repositories being deleted are gone from every listing, so from these counts too.
  const [repoRow] = await db.$queryRaw<{ repositories: number; artifacts: number }[]>`
    SELECT count(*)::int AS repositories, COALESCE(sum(r.artifact_count), 0)::int AS artifacts
    FROM repositories r WHERE r.deleting_at IS NULL AND ${inScope}`;
  // Storage: the bytes of the distinct blobs each project's artifacts reference (projects.storage_used,
  // kept exact by the artifact_blobs triggers: a layer shared by two images of a project counts
  // once), summed over the projects in scope. One row per project, no scan of artifacts.
  const [storageRow] = await db.$queryRaw<{ bytes: bigint }[]>`
    SELECT COALESCE(sum(p.storage_used), 0)::bigint AS bytes FROM projects p WHERE ${projectCondition(scope, Prisma.sql`p.id`)}`;
  let projects: number | null = null;
  if (scope.kind === "system") projects = await db.project.count();
  // A project reached both as a user and through a group counts once.
  if (scope.kind === "member") {
    projects = await db.project.count({ where: { OR: [{ members: { some: memberFilter(scope.userId, scope.groupIds) } }, { id: { in: scope.ruleProjectIds } }] } });
  }
  // Aggregates without GROUP BY always answer one row.
  return { projects, repositories: repoRow!.repositories, artifacts: repoRow!.artifacts, storageBytes: Number(storageRow!.bytes) };
}

async function trafficFor(scope: Scope, window: { since: Date; until: Date; days: string[] }): Promise<TrafficDay[]> {
  // One GROUP BY over the window, an index-only range of audit_events_traffic_idx. Only successful
  // requests: refusals are listed under failures, not drawn as traffic. Days are UTC, as every
  // time the console shows.
  const rows = await db.$queryRaw<{ day: string; pushes: number; pulls: number }[]>`
    SELECT to_char(date_trunc('day', occurred_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,
           count(*) FILTER (WHERE action = 'artifact.push')::int AS pushes,
           count(*) FILTER (WHERE action = 'artifact.pull')::int AS pulls
    FROM audit_events
    WHERE action IN ('artifact.push', 'artifact.pull')
      AND occurred_at >= ${window.since} AND occurred_at < ${window.until}
      AND result = 'success'
      AND ${projectCondition(scope, Prisma.sql`project_id`)}
    GROUP BY 1`;
  const byDay = new Map(rows.map((r) => [r.day, r]));
  // Days without a row are zeros, so the chart's axis is always the whole window.
  return window.days.map((day) => ({ day, pushes: byDay.get(day)?.pushes ?? 0, pulls: byDay.get(day)?.pulls ?? 0 }));
}

async function topPulledFor(scope: Scope, window: { since: Date; until: Date }): Promise<TopPulledRepository[]> {
  // A pull row names `project/repo:tag` or `project/repo@sha256:…`; neither a tag nor a digest
  // contains '/', and repository names contain neither ':' nor '@', so stripping from the last
  // [@:] that is followed by no '/' leaves the repository. Joined to repositories (same project,
  // not being deleted) so a deleted repository's old pulls name nothing that is gone.
  return db.$queryRaw<TopPulledRepository[]>`
    SELECT r.id AS "repositoryId", r.project_id AS "projectId", r.name, t.pulls
    FROM (
      SELECT project_id, regexp_replace(resource_name, '[@:][^/]*$', '') AS repository, count(*)::int AS pulls
      FROM audit_events
      WHERE action = 'artifact.pull'
        AND occurred_at >= ${window.since} AND occurred_at < ${window.until}
        AND result = 'success'
        AND ${projectCondition(scope, Prisma.sql`project_id`)}
      GROUP BY 1, 2
    ) t
    JOIN repositories r ON r.name = t.repository AND r.project_id = t.project_id AND r.deleting_at IS NULL
    ORDER BY t.pulls DESC, r.name
    LIMIT ${TOP_PULLED}`;
}

async function requestFailuresFor(projects: "all" | number[], { since, until }: { since: Date; until: Date }): Promise<DashboardFailure[]> {
  // The newest refusals in the window: a backward range of the (result, occurred_at, id) index.
  const rows = await db.auditEvent.findMany({
    where: { result: "failure", occurredAt: { gte: since, lt: until }, ...(projects === "all" ? {} : { projectId: { in: projects } }) },
    orderBy: [{ occurredAt: "desc" }, { id: "desc" }],
    take: RECENT_FAILURES,
    select: {
      id: true,
      occurredAt: true,
      action: true,
      actorName: true,
      actorVerified: true,
      resourceName: true,
      reason: true,
      projectId: true,
      repeatCount: true,
    },
  });
  return rows.map((r) => ({
    kind: "request",
    id: r.id.toString(),
    at: r.occurredAt.toISOString(),
    action: r.action,
    actor: actorLabel(r),
    resource: r.resourceName,
    reason: r.reason,
    projectId: r.projectId,
    repeatCount: r.repeatCount,
  }));
}

async function failedJobsIn({ since, until }: { since: Date; until: Date }): Promise<DashboardFailure[]> {
  const rows = await db.jobRun.findMany({
    where: { status: "failed", finishedAt: { gte: since, lt: until } },
    orderBy: [{ finishedAt: "desc" }, { id: "desc" }],
    take: RECENT_FAILURES,
    select: { id: true, jobName: true, finishedAt: true, error: true },
  });
  return rows.map((r) => ({
    kind: "job",
    id: r.id,
    at: r.finishedAt!.toISOString(),
    jobName: r.jobName,
    // The first line says what went wrong; the run's page (System health) has the rest.
    error: r.error?.split("\n", 1)[0]?.slice(0, 300) ?? null,
  }));
}

async function jobHealthAt(now: Date): Promise<JobHealth[]> {
  const names = JOB_REGISTRY.map((job) => job.id);
  const dayAgo = new Date(now.getTime() - DAY_MS);
  // The last run of each job (a LATERAL probe of the (job_name, queued_at) index per job), and the
  // counts as two ranges of the (status, finished_at, job_name) index grouped by job.
  const [last, counts] = await Promise.all([
    db.$queryRaw<{ jobName: string; status: JobHealth["lastStatus"]; queuedAt: Date | null }[]>`
      SELECT j.name AS "jobName", l.status::text AS status, l.queued_at AS "queuedAt"
      FROM unnest(${names}::text[]) AS j(name)
      LEFT JOIN LATERAL (
        SELECT status, queued_at FROM job_runs WHERE job_name = j.name ORDER BY queued_at DESC, id DESC LIMIT 1
      ) l ON TRUE`,
    db.$queryRaw<{ jobName: string; failed: number; queued: number }[]>`
      SELECT job_name AS "jobName",
             count(*) FILTER (WHERE status = 'failed')::int AS failed,
             count(*) FILTER (WHERE status = 'queued')::int AS queued
      FROM job_runs
      WHERE status = 'queued' OR (status = 'failed' AND finished_at >= ${dayAgo} AND finished_at <= ${now})
      GROUP BY job_name`,
  ]);
  const countsByName = new Map(counts.map((c) => [c.jobName, c]));
  return last
    .map((row) => ({
      jobName: row.jobName,
      lastStatus: row.status,
      lastQueuedAt: row.queuedAt?.toISOString() ?? null,
      failedLast24h: countsByName.get(row.jobName)?.failed ?? 0,
      queuedNow: countsByName.get(row.jobName)?.queued ?? 0,
    }))
    .sort((a, b) => a.jobName.localeCompare(b.jobName));
}
