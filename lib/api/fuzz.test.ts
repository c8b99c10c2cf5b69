import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

/*
 * A bounded fuzz of every REST route handler (app/api/v2.0/**\/route.ts) and every server action,
 * called as an administrator with random and hostile values: NUL and other C0 controls, huge,
 * negative and fractional numbers, unicode, wrong JSON types, arrays for scalars, bodies that are
 * not objects or not JSON, bodies beyond the 1 MiB limit, bad page/page_size. Deterministic: a
 * seeded PRNG (WHARF_FUZZ_SEED overrides the seed; a failure names the seed and the case).
 *
 * Every case must be answered, never thrown, with:
 * - a mutation (POST/PUT/PATCH/DELETE, or a server action with input): a 4xx / `ok: false`. The
 *   inputs are built so that none can be legitimately accepted (below), so a 2xx is a finding;
 * - a read (GET/HEAD): a 4xx, or a 2xx (a filter that matches nothing is a legitimate answer);
 * - no change: the counts of the main tables and no audit row other than failure rows (a read's
 *   `audit_log.export` row, written by a CSV export, is the documented exception);
 * - nothing logged with console.error (what a 500 or a swallowed bug logs).
 *
 * Why no mutation can succeed: a mutation route with path parameters always gets at least one
 * hostile one (a DELETE reads nothing else); otherwise its body is poisoned in a way every route
 * refuses (a control character in a string, not an object, not JSON, too large, not JSON's media
 * type) or the query carries a control character. Server action forms get every known field, each
 * hostile (never blank, never a valid id, port, role or enum value, and text fields always hold a
 * character no name allows), and actions that take no
 * input at all (start a reconcile, list runs) are not called: there is nothing to fuzz. An action
 * for which hostile input can still be a valid request is listed in ACCEPTS_HOSTILE_INPUT with why.
 */

const SEED = Number(process.env.WHARF_FUZZ_SEED ?? 20261204);
const CASES_PER_ROUTE = 8;
const CASES_PER_ACTION = 4;

const state = vi.hoisted(() => ({ actor: undefined as unknown }));

const REGISTRY_PORT = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryPort("fuzz-tests-secret-key-0123456789abcdef")));

vi.mock("@/lib/auth/session", () => ({
  getActor: async () => state.actor,
  requireUserActor: async () => state.actor,
}));
vi.mock("next/cache", () => ({ revalidatePath: () => undefined, revalidateTag: () => undefined }));
vi.mock("next/navigation", () => ({
  redirect: (to: string) => {
    throw new RedirectSignal(to);
  },
  notFound: () => {
    throw new Error("notFound() called by a server action");
  },
}));

class RedirectSignal extends Error {
  constructor(readonly to: string) {
    super(`redirect to ${to}`);
  }
}

import { apiRequest, basic, checkAgainstDocument, db } from "@/lib/api/test-kit";
import { getBoss, setSharedBoss } from "@/lib/jobs/boss";
import { createMember, createProject, createRobot } from "@/lib/services/registry-auth/test-fixtures";
import { actorFor, createTestUser } from "@/lib/testing/factories";
import { gatewayHarness } from "@/lib/testing/gateway-harness";

const ROOT = path.resolve(__dirname, "../..");
const h = gatewayHarness({ registryPort: REGISTRY_PORT, external: "http://wharf.test:3000", name: "fuzz" });

// ---- a small seeded PRNG (mulberry32) ----------------------------------------------------------

function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
  };
}
type Rng = ReturnType<typeof prng>;

// ---- hostile values ----------------------------------------------------------------------------

function controlString(rng: Rng): string {
  const code = rng.pick([0, 0, 1, 7, 8, 9, 10, 13, 27, 31, 127]);
  const ch = String.fromCharCode(code);
  // Tab and line breaks are legitimate inside descriptions; pair them with a NUL so the value is
  // refused everywhere.
  const poison = code === 9 || code === 10 || code === 13 ? `${ch}\u0000` : ch;
  return rng.pick([`${poison}`, `a${poison}b`, `library${poison}`, `${poison}1`, `x/${poison}/y`]);
}

/** Strings that are wrong for every field they land in: never blank, never a valid id, port or enum. */
const HOSTILE_STRINGS = [
  "-1",
  "0",
  "1.5",
  "-0",
  "1e308",
  "99999999999999999999",
  "2147483648",
  "-2147483649",
  "4294967296",
  "NaN",
  "Infinity",
  "ñandú",
  "😀",
  "\u202eevil",
  "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
  "../../etc/passwd",
  "..%2f..%2f",
  "%",
  "_",
  "' OR 1=1 --",
  "<script>alert(1)</script>",
  "a".repeat(5000),
  "robot$x+y",
  "A:B",
  "[1,2]",
  "{}",
] as const;

function hostileString(rng: Rng): string {
  return rng.chance(0.35) ? controlString(rng) : rng.pick(HOSTILE_STRINGS);
}

function hostileJson(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 4 : 7)) {
    case 0:
      return hostileString(rng);
    case 1:
      return rng.pick([-1, 0, 1.5, -0.5, 1e308, -1e308, 2 ** 31, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER]);
    case 2:
      return rng.pick([controlString(rng), "\u0000"]);
    case 3:
      return rng.pick([true, false]);
    case 4:
      return [hostileJson(rng, depth + 1)];
    case 5:
      return { [rng.pick(["a", "public", "username", "\u0000k"])]: hostileJson(rng, depth + 1) };
    default:
      return [hostileJson(rng, depth + 1), hostileJson(rng, depth + 1)];
  }
}

/** Every field name the REST bodies know (Harbor's), so hostile values land where they are read. */
const BODY_FIELDS = [
  "project_name",
  "public",
  "metadata",
  "storage_limit",
  "registry_id",
  "role_id",
  "member_user",
  "member_group",
  "username",
  "email",
  "realname",
  "password",
  "comment",
  "name",
  "description",
  "level",
  "duration",
  "permissions",
  "disable",
  "secret",
  "sysadmin_flag",
  "role",
  "schedule",
  "parameters",
  "policy_id",
  "dest_registry",
  "filters",
  "trigger",
];

const QUERY_KEYS = ["page", "page_size", "q", "name", "public", "project_name", "username", "entityname", "from", "format", "sort", "with_tag", "scope", "cursor", "X", "policy_id", "status"];

const OVERSIZED = JSON.stringify({ description: "x".repeat(1024 * 1024 + 16) });

/** Every form field name the server actions read. */
const FORM_FIELDS = [
  "projectId",
  "memberId",
  "robotId",
  "userId",
  "username",
  "email",
  "fullName",
  "password",
  "currentPassword",
  "newPassword",
  "confirmPassword",
  "roleId",
  "name",
  "isPublic",
  "isAdmin",
  "description",
  "durationDays",
  "permissions",
  "repository",
  "digest",
  "tag",
  "from",
  "project",
  "disabled",
  "role",
  "retentionDays",
  "schedulePreset",
  "cron",
  "enabled",
  "host",
  "port",
  "projectCreationRestriction",
  "policyId",
  "executionId",
  "policy",
  "labelId",
  "color",
];

// ---- enumeration (as lib/services/audit/audit-coverage.test.ts does) ---------------------------

function walk(dir: string, keep: (file: string) => boolean): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return walk(full, keep);
    return keep(full) ? [full] : [];
  });
}
const rel = (file: string) => path.relative(ROOT, file).split(path.sep).join("/");
const USE_SERVER = /^(?:\s|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)*["']use server["']/;
const isSource = (f: string) => /\.(ts|tsx)$/.test(f) && !/\.test\.tsx?$/.test(f);
const routeFiles = walk(path.join(ROOT, "app/api/v2.0"), (f) => path.basename(f) === "route.ts");
const actionFiles = ["app", "components", "lib"].flatMap((dir) =>
  walk(path.join(ROOT, dir), (f) => isSource(f) && !f.includes("/generated/") && USE_SERVER.test(readFileSync(f, "utf8"))),
);

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] as const;
type Method = (typeof METHODS)[number];
type RouteHandler = (req: Request, ctx: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;
type Route = { file: string; method: Method; handler: RouteHandler; segments: string[] };
type AnyFn = (...args: unknown[]) => Promise<unknown>;

const routes: Route[] = [];
const actions: { key: string; fn: AnyFn }[] = [];

// ---- fixtures ----------------------------------------------------------------------------------

type User = Awaited<ReturnType<typeof createTestUser>>;
let restAdmin: User;
let actionAdmin: User;
/** A valid value for each dynamic segment, given the route file (`id` means different things under different routes). */
const valid: Record<string, (file: string) => string | string[]> = {};

beforeAll(async () => {
  for (const file of routeFiles) {
    const mod = (await import(file)) as Record<string, unknown>;
    const segments = [...rel(file).matchAll(/\[(?:\.\.\.)?([^\]]+)\]/g)].map((m) => m[1]!);
    for (const method of METHODS) {
      if (typeof mod[method] === "function") routes.push({ file: rel(file), method, handler: mod[method] as RouteHandler, segments });
    }
  }
  for (const file of actionFiles) {
    const mod = (await import(file)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(mod)) if (typeof value === "function") actions.push({ key: `${rel(file)}#${name}`, fn: value as AnyFn });
  }

  // Separate users: a refused password change counts against the action caller's username,
  // which must not lock the REST caller out.
  restAdmin = await createTestUser({ isAdmin: true });
  actionAdmin = await createTestUser({ isAdmin: true });
  const project = await createProject();
  const repository = `${project.name}/app`;
  const token = await h.tokenFor(restAdmin.username, repository);
  const { image } = await h.pushImage(token, repository, ["1.0", "2.0"]);
  const member = await createMember(project.id, 3);
  const { id: memberId } = await db.projectMember.findFirstOrThrow({ where: { projectId: project.id, userId: member.id }, select: { id: true } });
  const robot = await createRobot(project, ["repository:pull"]);
  const registry = await db.registryEndpoint.create({ data: { name: `fuzz-${robot.id}`, type: "docker-registry", url: "http://127.0.0.1:9", credentialType: "none" } });
  const retention = await db.retentionPolicy.create({ data: { projectId: project.id, rules: [] } });
  const retentionRun = await db.jobRun.create({ data: { jobName: "retention.run", jobVersion: 1, trigger: "fuzz", status: "succeeded", finishedAt: new Date() } });
  const execution = await db.retentionExecution.create({
    data: { policyId: retention.id, projectId: project.id, runId: retentionRun.id, dryRun: true, trigger: "fuzz", rules: [], startedAt: new Date() },
  });
  const retentionTask = await db.jobRun.create({
    data: { jobName: "retention.repository", jobVersion: 1, trigger: "fuzz", status: "succeeded", parentRunId: retentionRun.id, payload: { executionId: execution.id, repositoryId: 1, repository: "fuzz/app" }, finishedAt: new Date() },
  });
  const immutableRule = await db.immutableTagRule.create({
    data: {
      projectId: project.id,
      position: 0,
      repositories: { decoration: "matches", kind: "doublestar", pattern: "**" },
      tags: { decoration: "matches", kind: "doublestar", pattern: "v*", untagged: false },
    },
  });
  // A push policy that selects nothing (its preview reads only Wharf's index, never the unreachable
  // endpoint), with one ended execution and its task.
  const replicationPolicy = await db.replicationPolicy.create({
    data: { name: `fuzz-${robot.id}`, direction: "push", endpointId: registry.id, filters: { name: { decoration: "matches", kind: "doublestar", pattern: "fuzz-none/**" }, tag: null, resource: "image" } },
  });
  const replicationExecution = await db.replicationExecution.create({ data: { policyId: replicationPolicy.id, trigger: "manual", triggeredBy: "fuzz", status: "Failed", endedAt: new Date() } });
  const replicationTask = await db.replicationTask.create({
    data: { executionId: replicationExecution.id, operation: "copy", resourceType: "image", srcRepository: repository, dstRepository: repository, digest: image.manifestDigest, tags: ["1.0"], status: "Failed", log: "failed\n" },
  });
  const scanner = await db.scanner.create({ data: { name: `fuzz-${robot.id}`, url: "http://127.0.0.1:9/scanner" }, select: { id: true, uuid: true } });
  // An ended scan of the image with a log, for …/scan/{report_id}/log.
  const scanReport = await db.scanReport.create({
    data: { artifactDigest: image.manifestDigest, repository, scannerId: scanner.id, mimeType: "application/vnd.security.vulnerability.report; version=1.1", status: "failed", error: "fuzz", log: "failed\n" },
    select: { uuid: true },
  });
  // An ended garbage collection, for /system/gc/{gc_id} (and its log).
  const gcRun = await db.jobRun.create({ data: { jobName: "registry.gc", jobVersion: 1, trigger: "fuzz", payload: {}, status: "succeeded", finishedAt: new Date(), log: "done\n" }, select: { id: true } });
  const gcExecution = await db.gcExecution.create({ data: { trigger: "Manual", triggeredBy: "fuzz", runId: gcRun.id, dryRun: true }, select: { id: true } });
  // A webhook policy (to an address nothing listens on) with one delivery, for …/webhook/policies/{id}/….
  const webhook = await db.webhookPolicy.create({ data: { projectId: project.id, name: "fuzz", eventTypes: ["PUSH_ARTIFACT"], targetType: "http", address: "http://127.0.0.1:9/hook", creator: "fuzz" } });
  const webhookDelivery = await db.webhookDelivery.create({ data: { policyId: webhook.id, eventType: "PUSH_ARTIFACT", payload: {}, status: "error", attempts: 1 } });
  // A project label, for /labels/{id} and an artifact's …/labels/{label_id}.
  const label = await db.label.create({ data: { projectId: project.id, name: "fuzz", color: "#000000" }, select: { id: true } });
  // An OIDC group, for /usergroups/{group_id}.
  const group = await db.userGroup.create({ data: { groupType: "oidc", externalKey: `fuzz-${robot.id}`, name: `fuzz-${robot.id}` }, select: { id: true } });
  const idFor = (file: string) =>
    file.includes("/labels/") ? label.id : file.includes("/retentions/") ? retention.id : file.includes("/replication/policies/") ? replicationPolicy.id : file.includes("/replication/executions/") ? replicationExecution.id : registry.id;
  Object.assign(valid, {
    id: (file: string) => String(idFor(file)),
    task_id: (file: string) => String(file.includes("/webhook/") ? webhookDelivery.id : replicationTask.id),
    webhook_policy_id: () => String(webhook.id),
    execution_id: () => String(webhookDelivery.id),
    eid: () => String(execution.id),
    tid: () => String(retentionTask.id),
    immutable_rule_id: () => String(immutableRule.id),
    project_name_or_id: () => project.name,
    repository_name: () => "app",
    reference: () => image.manifestDigest,
    tag_name: () => "2.0",
    mid: () => String(memberId),
    group_id: () => String(group.id),
    robot_id: () => String(robot.id),
    user_id: () => String(member.id),
    path: () => ["no", "such"],
    // A registration nothing answers at (its metadata read is a 400 naming why, no change).
    registration_id: () => scanner.uuid,
    report_id: () => scanReport.uuid,
    gc_id: () => String(gcExecution.id),
    label_id: () => String(label.id),
  });
}, 120_000);

afterAll(async () => {
  const boss = await getBoss().catch(() => null);
  await boss?.stop({ graceful: false }).catch(() => undefined);
  setSharedBoss(undefined);
});

// ---- state -------------------------------------------------------------------------------------

async function snapshot() {
  const [users, projects, members, robots, robotPermissions, repositories, artifacts, tags, settings, jobRuns, labels, artifactLabels, lastAudit] = await Promise.all([
    db.user.count(),
    db.project.count(),
    db.projectMember.count(),
    db.robot.count(),
    db.robotPermission.count(),
    db.repository.count(),
    db.artifact.count(),
    db.tag.count(),
    db.systemSetting.count(),
    db.jobRun.count(),
    db.label.count(),
    db.artifactLabel.count(),
    db.auditEvent.findFirst({ orderBy: { id: "desc" }, select: { id: true } }),
  ]);
  return { counts: { users, projects, members, robots, robotPermissions, repositories, artifacts, tags, settings, jobRuns, labels, artifactLabels }, lastAuditId: lastAudit?.id ?? 0n };
}

/** Audit rows since `since` other than failure rows (refusals are expected and allowed). */
async function nonFailureRowsSince(since: bigint): Promise<string[]> {
  const rows = await db.auditEvent.findMany({ where: { id: { gt: since }, result: { not: "failure" } }, select: { action: true } });
  return rows.map((r) => r.action);
}

// ---- one REST case -----------------------------------------------------------------------------

type RestCase = { description: string; request: Request; params: Record<string, string | string[]>; read: boolean };

function restCase(route: Route, rng: Rng): RestCase {
  const read = route.method === "GET" || route.method === "HEAD";
  const params: Record<string, string | string[]> = {};
  const hostileParams = new Set<string>();
  for (const segment of route.segments) {
    if (rng.chance(0.5)) {
      params[segment] = segment === "path" ? [hostileString(rng)] : hostileString(rng);
      hostileParams.add(segment);
    } else {
      params[segment] = valid[segment]!(route.file);
    }
  }
  // A mutation addressed entirely at real things must be refused for its input; DELETE reads no
  // input, so it always gets a hostile parameter.
  const mustPoisonParam = !read && route.segments.length > 0 && hostileParams.size === 0 && (route.method === "DELETE" || rng.chance(0.5));
  if (mustPoisonParam) {
    const segment = rng.pick(route.segments);
    params[segment] = segment === "path" ? [controlString(rng)] : controlString(rng);
    hostileParams.add(segment);
  }

  const query = new URLSearchParams();
  for (let i = rng.int(4); i > 0; i--) query.append(rng.pick(QUERY_KEYS), hostileString(rng));
  if (rng.chance(0.3)) query.set(rng.pick(["page", "page_size"]), rng.pick(["0", "-1", "1.5", "1e9", "99999999999999999999", "abc", ""]));

  const headers: Record<string, string> = {};
  let body: string | undefined;
  let poison = hostileParams.size > 0 ? "hostile path parameter" : "";
  if (!read) {
    const strategy = poison ? rng.int(6) : rng.int(5);
    const object: Record<string, unknown> = {};
    for (let i = 1 + rng.int(4); i > 0; i--) object[rng.pick(BODY_FIELDS)] = hostileJson(rng);
    switch (strategy) {
      case 0: {
        // A control character somewhere in the body (refused by the body reader for every route).
        object[rng.pick(BODY_FIELDS)] = rng.chance(0.5) ? controlString(rng) : { nested: [controlString(rng)] };
        body = JSON.stringify(object);
        poison ||= "control character in the body";
        break;
      }
      case 1:
        body = rng.pick(["[]", '"text"', "42", "null", "true", "[{}]", `[${JSON.stringify(object)}]`]);
        poison ||= "body not an object";
        break;
      case 2:
        body = rng.pick(["{", '{"a":}', "{'a':1}", "\u0000", "{}}", '{"a":1,}']);
        poison ||= "body not JSON";
        break;
      case 3:
        body = OVERSIZED;
        if (rng.chance(0.5)) headers["content-length"] = String(Buffer.byteLength(OVERSIZED));
        poison ||= "body over the limit";
        break;
      case 4:
        query.append(rng.pick(QUERY_KEYS), controlString(rng));
        body = JSON.stringify(object);
        poison ||= "control character in the query";
        break;
      default:
        body = JSON.stringify(object);
    }
    if (rng.chance(0.15) && strategy !== 3) headers["content-type"] = rng.pick(["text/plain", "application/x-www-form-urlencoded", "application/xml"]);
  }
  const pathText = `/${route.file.replace(/^app\/api\/v2\.0\//, "").replace(/\/?route\.ts$/, "")}`;
  const search = query.toString();
  const request = apiRequest(`${pathText}${search ? `?${search}` : ""}`, { method: route.method, auth: basic(restAdmin.username), headers, body });
  const description = `${route.method} ${pathText} params=${JSON.stringify(params).slice(0, 300)} query=${search.slice(0, 200)} body=${(body ?? "").slice(0, 200)} poison=${poison || "none"}`;
  return { description, request, params, read };
}

// ---- one server action case --------------------------------------------------------------------

/** Form fields read as numbers; every hostile string is wrong for them (none is an id, role, port or day count in range). */
const NUMERIC_FORM_FIELDS = new Set(["projectId", "memberId", "robotId", "userId", "roleId", "durationDays", "retentionDays", "port", "policyId", "executionId", "labelId"]);
/** For text fields: only strings with a character no name allows (`1.5` or `1e308` are valid project names). */
const TEXT_HOSTILE_STRINGS = HOSTILE_STRINGS.filter((v) => /[^a-z0-9._-]/.test(v));

function hostileFormValue(field: string, rng: Rng): string {
  if (NUMERIC_FORM_FIELDS.has(field)) return hostileString(rng);
  return rng.chance(0.35) ? controlString(rng) : rng.pick(TEXT_HOSTILE_STRINGS);
}

function actionArgs(fn: AnyFn, rng: Rng): unknown[] {
  if (fn.length >= 2) {
    const data = new FormData();
    for (const field of FORM_FIELDS) {
      data.append(field, hostileFormValue(field, rng));
      if (rng.chance(0.2)) data.append(field, hostileFormValue(field, rng));
    }
    return [{ ok: false }, data];
  }
  return [rng.pick<unknown>([-1, 0, 1.5, Number.NaN, 2 ** 31, 1e308, "1", controlString(rng), hostileString(rng), [], {}, null, [1], { id: 1 }])];
}

/**
 * Actions for which hostile input can be a legitimate request: the documented 2xx. Their answer
 * and changes are not judged, only that they neither throw nor log an error.
 */
const ACCEPTS_HOSTILE_INPUT: Record<string, string> = {
  "app/(console)/search/actions.ts#searchSuggestionsAction":
    "a read: any string is a valid search (cut to 255 characters; the answer lists only what the caller may see), so a hostile string without a control character is searched, not refused",
  "app/(console)/admin/health/schedule-actions.ts#updateReconcileScheduleAction":
    "a checkbox-only meaning: any `enabled` other than on/true reads as unticked, which switches the schedule off (valid), and the other fields are ignored",
  "app/(console)/admin/vulnerability-db/scan-all-actions.ts#startScanAllAction":
    "takes no input (a Scan now button): whatever fields arrive are ignored, and starting a scan all is valid for an administrator",
  "app/(console)/admin/settings/actions.ts#updateAdminTwoFactorAction":
    "a checkbox-only meaning: a `requireAdminTwoFactor` other than on/true reads as unticked, which saves the requirement off (valid), and the other fields are ignored",
  "app/(console)/account/two-factor-actions.ts#startTwoFactorAction":
    "takes no input (a Set up button): whatever fields arrive are ignored, and starting (or restarting) one's own enrolment is valid for any user without two-factor sign-in",
  "app/(console)/admin/vulnerability-db/scan-all-actions.ts#stopScanAllAction":
    "takes no input (a Stop button): whatever fields arrive are ignored, and stopping is valid for an administrator",
};

function isRefusal(value: unknown): boolean {
  if (value instanceof RedirectSignal) return false;
  if (Array.isArray(value)) return true; // a search that found nothing or something: a read
  return !!value && typeof value === "object" && "ok" in value && (value as { ok: unknown }).ok === false;
}

// ---- the tests ---------------------------------------------------------------------------------

describe(`fuzz (seed ${SEED})`, () => {
  it("finds the REST routes and server actions", () => {
    expect(routes.length).toBeGreaterThanOrEqual(40);
    expect(actions.length).toBeGreaterThanOrEqual(25);
  });

  it(`every REST route: ${CASES_PER_ROUTE} hostile requests each`, async () => {
    const rng = prng(SEED);
    const errorLog = vi.spyOn(console, "error");
    const findings: string[] = [];
    for (const route of routes) {
      for (let i = 0; i < CASES_PER_ROUTE; i++) {
        const c = restCase(route, rng);
        const before = await snapshot();
        errorLog.mockClear();
        let status: number;
        let undocumented: string | null = null;
        try {
          const res = await route.handler(c.request, { params: Promise.resolve(c.params) });
          status = res.status;
          // Every answer, refusals included, must be one the OpenAPI document gives (the catch-all is no operation).
          if (!route.file.includes("[...")) undocumented = await checkAgainstDocument(c.request, res).then(() => null, (err: unknown) => String(err));
          await res.arrayBuffer();
        } catch (err) {
          findings.push(`${c.description}\n  threw ${String(err)}`);
          continue;
        }
        const after = await snapshot();
        // Reads audited when they succeed: the audit CSV export and an artifact download (the query's junk parameters are ignored, as elsewhere).
        const written = (await nonFailureRowsSince(before.lastAuditId)).filter((a) => !(c.read && (a === "audit_log.export" || a === "artifact.download")));
        const problems = [
          ...(status >= 500 ? [`answered ${status}`] : []),
          ...(undocumented ? [undocumented] : []),
          ...(!c.read && (status < 400 || status >= 500) ? [`a mutation answered ${status}`] : []),
          ...(c.read && !((status >= 200 && status < 300) || (status >= 400 && status < 500)) ? [`a read answered ${status}`] : []),
          ...(JSON.stringify(after.counts) !== JSON.stringify(before.counts) ? [`tables changed ${JSON.stringify(before.counts)} -> ${JSON.stringify(after.counts)}`] : []),
          ...(written.length ? [`audit rows written: ${written.join(", ")}`] : []),
          ...(errorLog.mock.calls.length ? [`console.error: ${errorLog.mock.calls.map((call) => call.map(String).join(" ").slice(0, 300)).join(" | ")}`] : []),
        ];
        if (problems.length) findings.push(`${c.description}\n  ${problems.join("\n  ")}`);
      }
    }
    expect(findings, `seed ${SEED}`).toEqual([]);
  }, 240_000);

  it(`every server action with input: ${CASES_PER_ACTION} hostile calls each`, async () => {
    const rng = prng(SEED + 1);
    const errorLog = vi.spyOn(console, "error");
    const findings: string[] = [];
    const fuzzed = actions.filter((a) => a.fn.length > 0);
    expect(fuzzed.length).toBeGreaterThanOrEqual(20);
    for (const action of fuzzed) {
      for (let i = 0; i < CASES_PER_ACTION; i++) {
        const args = actionArgs(action.fn, rng);
        const shown = args.map((a) => (a instanceof FormData ? JSON.stringify([...a.entries()]).slice(0, 300) : JSON.stringify(a))).join(", ");
        const before = await snapshot();
        errorLog.mockClear();
        state.actor = actorFor(actionAdmin);
        let value: unknown;
        try {
          value = await action.fn(...args);
        } catch (err) {
          value = err;
          if (!(err instanceof RedirectSignal)) {
            findings.push(`${action.key}(${shown})\n  threw ${String(err)}`);
            continue;
          }
        } finally {
          state.actor = undefined;
        }
        const after = await snapshot();
        const written = await nonFailureRowsSince(before.lastAuditId);
        if (action.key in ACCEPTS_HOSTILE_INPUT) {
          if (errorLog.mock.calls.length) findings.push(`${action.key}(${shown})\n  console.error: ${errorLog.mock.calls.map((call) => call.map(String).join(" ").slice(0, 300)).join(" | ")}`);
          continue;
        }
        const problems = [
          ...(!isRefusal(value) ? [`was not refused: ${JSON.stringify(value)?.slice(0, 200) ?? String(value)}`] : []),
          ...(JSON.stringify(after.counts) !== JSON.stringify(before.counts) ? [`tables changed ${JSON.stringify(before.counts)} -> ${JSON.stringify(after.counts)}`] : []),
          ...(written.length ? [`audit rows written: ${written.join(", ")}`] : []),
          ...(errorLog.mock.calls.length ? [`console.error: ${errorLog.mock.calls.map((call) => call.map(String).join(" ").slice(0, 300)).join(" | ")}`] : []),
        ];
        if (problems.length) findings.push(`${action.key}(${shown})\n  ${problems.join("\n  ")}`);
      }
    }
    expect(findings, `seed ${SEED + 1}`).toEqual([]);
  }, 120_000);
});
