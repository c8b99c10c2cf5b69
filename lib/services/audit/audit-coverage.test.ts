import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

/*
 * The audit walk (issue 5.1): every server action and every REST mutation, found by walking the
 * source tree, must have a case below; each case performs the mutation and checks that it wrote
 * exactly ONE audit row with the expected action, and that a refused attempt (as a system auditor,
 * who reads everything and changes nothing) wrote exactly one failure row with a reason (or added one
 * to the count of the identical refusal's row of the same minute: see recordRefusal). A new
 * action or route without a case fails the first test, so later features cannot skip the audit.
 *
 * Only the session lookup (`getActor`) and Next's request-bound helpers (revalidatePath, redirect)
 * are replaced: the database, the services, the registry and the route handlers are real.
 */

// Shared with the mock factories below (vi.mock is hoisted above every import).
const state = vi.hoisted(() => ({ actor: undefined as unknown }));

const REGISTRY_PORT = await vi.hoisted(async () => {
  const { findFreePort } = await import("@/lib/registry/local-registry");
  const port = await findFreePort();
  process.env.WHARF_REGISTRY_URL = `http://127.0.0.1:${port}`;
  process.env.WHARF_EXTERNAL_URL = "http://wharf.test:3000";
  process.env.WHARF_SECRET_KEY ??= "audit-coverage-tests-secret-key-0123456789";
  // The registry's data dir, chosen here so that garbage collection knows its config and storage.
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const p = await import("node:path");
  const dataDir = mkdtempSync(p.join(tmpdir(), "wharf-audit-coverage-data-"));
  process.env.WHARF_REGISTRY_CONFIG = p.join(dataDir, "registry", "config.yml");
  process.env.WHARF_REGISTRY_STORAGE_DIR = p.join(dataDir, "registry", "storage");
  (globalThis as { auditCoverageDataDir?: string }).auditCoverageDataDir = dataDir;
  return port;
});

vi.mock("@/lib/auth/session", () => ({
  getActor: async () => {
    if (!state.actor) throw new Error("the walk called a server action without choosing an actor");
    return state.actor;
  },
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

import type { ActionResult } from "@/lib/actions/action-result";
import { apiRequest, basic } from "@/lib/api/test-kit";
import { NextRequest } from "next/server";
import { artifactScanJob, registryGcJob, scanAllJob, vulnDbImportJob } from "@/lib/jobs/definitions";
import { startTwoFactorEnrolment } from "@/lib/services/auth/two-factor";
import { createGroupRoleRule, createRoleRule } from "@/lib/services/members/role-rules";
import { startArtifactScan } from "@/lib/services/scan/manual-scan";
import { startScanAll } from "@/lib/services/scan/scan-all";
import { startGc } from "@/lib/services/gc/gc";
import { fixtureOsvZip, serveZip } from "@/lib/services/scan/vuln-db-admin-testing";
import { withApi } from "@/lib/api/with-api";
import { invalidateCaches } from "@/lib/cache/process-cache";
import { getBoss, setSharedBoss } from "@/lib/jobs/boss";
import { deleteRepository } from "@/lib/services/repositories/delete-repository";
import { deleteRepositoryJob, purgeAuditJob, reconcileIndexJob, replicationRunJob, retentionRunJob } from "@/lib/jobs/definitions";
import { runQueuedRun } from "@/lib/jobs/testing/run-queued";
import type { AuditAction } from "@/lib/services/audit/audit-actions";
import { flushReadAuditEvents, recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { endSession, startSession } from "@/lib/services/auth/sessions";
import { setProjectRetention } from "@/lib/services/retention/policies";
import { startRetentionRun } from "@/lib/services/retention/runs";
import { createMember, createProject, createRobot } from "@/lib/services/registry-auth/test-fixtures";
import { createRegistry } from "@/lib/services/registries/registries";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { handleMetadata } from "@/lib/scan/adapter/http";
import { builtinAdapterKey } from "@/lib/services/scan/builtin-adapter-key";
import { createScanner } from "@/lib/services/scan/scanners";
import { createReplicationPolicy } from "@/lib/services/replication/policies";
import { actorFor, createTestUser, db, TEST_PASSWORD, uniqueName } from "@/lib/testing/factories";
import { createSystemRobot } from "@/lib/services/robots/robots";
import { gatewayHarness } from "@/lib/testing/gateway-harness";
import { startTestOidcProvider } from "@/lib/testing/oidc-provider";

const ROOT = path.resolve(__dirname, "../../..");
const h = gatewayHarness({
  registryPort: REGISTRY_PORT,
  external: "http://wharf.test:3000",
  name: "audit-coverage",
  dataDir: (globalThis as { auditCoverageDataDir?: string }).auditCoverageDataDir,
});

// ---- enumeration -------------------------------------------------------------------------------

function walk(dir: string, keep: (file: string) => boolean): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return walk(full, keep);
    return keep(full) ? [full] : [];
  });
}
const rel = (file: string) => path.relative(ROOT, file).split(path.sep).join("/");

/** A module-level "use server" directive (after any comments). */
const USE_SERVER = /^(?:\s|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)*["']use server["']/;
const isSource = (f: string) => /\.(ts|tsx)$/.test(f) && !/\.test\.tsx?$/.test(f);
const actionFiles = ["app", "components", "lib"].flatMap((dir) => walk(path.join(ROOT, dir), (f) => isSource(f) && !f.includes("/generated/") && USE_SERVER.test(readFileSync(f, "utf8"))));
/** Files with a "use server" directive inside a function (inline actions, which the walk cannot import by name). */
const inlineActionFiles = ["app", "components"].flatMap((dir) =>
  walk(path.join(ROOT, dir), (f) => isSource(f) && !USE_SERVER.test(readFileSync(f, "utf8")) && /["']use server["']/.test(readFileSync(f, "utf8"))),
);
const routeFiles = walk(path.join(ROOT, "app/api"), (f) => path.basename(f) === "route.ts");
const apiRouteLibFiles = walk(path.join(ROOT, "lib/api/routes"), (f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));

const MUTATING = ["POST", "PUT", "PATCH", "DELETE"] as const;

/** app/api/v2.0/projects/[project_name_or_id]/route.ts -> /api/v2.0/projects/{project_name_or_id} */
function urlPathOf(file: string): string {
  return `/${rel(path.dirname(file)).replace(/^app\//, "")}`.replace(/\[([^\]]+)\]/g, "{$1}");
}

type AnyFn = (...args: unknown[]) => Promise<unknown>;
/** Everything the walk can call, by key: `<file>#<export>` for actions, `<METHOD> <path>` for REST. */
const callables = new Map<string, AnyFn>();
const routeExports = new Set<unknown>();
const libRouteExports: { key: string; fn: unknown }[] = [];

beforeAll(async () => {
  for (const file of actionFiles) {
    const mod = (await import(file)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(mod)) if (typeof value === "function") callables.set(`${rel(file)}#${name}`, value as AnyFn);
  }
  for (const file of routeFiles) {
    const mod = (await import(file)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(mod)) {
      if (typeof value === "function") routeExports.add(value);
      if ((MUTATING as readonly string[]).includes(name)) callables.set(`${name} ${urlPathOf(file)}`, value as AnyFn);
    }
  }
  for (const file of apiRouteLibFiles) {
    const mod = (await import(file)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(mod)) if (typeof value === "function") libRouteExports.push({ key: `${rel(file)}#${name}`, fn: value });
  }
});

// ---- fixtures ----------------------------------------------------------------------------------

type User = Awaited<ReturnType<typeof createTestUser>>;
let admin: User;
let auditor: User;
/** A private project with `<name>/app` (tags 1.0 and 2.0), that refused cases aim at. */
let shared: { project: { id: number; name: string }; repository: string; digest: string; memberId: number; robotId: number };

/** Every secret the walk handles; none may appear in any audit row (checked at the end). */
const secrets = new Set<string>([TEST_PASSWORD]);

async function pushed(tags = ["1.0", "2.0"]) {
  const project = await createProject();
  const repository = `${project.name}/app`;
  const token = await h.tokenFor(admin.username, repository);
  secrets.add(token);
  const { image } = await h.pushImage(token, repository, tags);
  return { project, repository, digest: image.manifestDigest };
}

beforeAll(async () => {
  admin = await createTestUser({ isAdmin: true });
  auditor = await createTestUser({ isAuditor: true });
  const content = await pushed();
  const member = await createMember(content.project.id, 3);
  const { id: memberId } = await db.projectMember.findFirstOrThrow({ where: { projectId: content.project.id, userId: member.id }, select: { id: true } });
  const robot = await createRobot(content.project, ["repository:pull"]);
  secrets.add(robot.secret);
  shared = { ...content, memberId, robotId: robot.id };
}, 120_000);

afterAll(async () => {
  // The walk queues purge and reconcile runs (start, retry) that no worker carries out here. It ends
  // its own (and cancels their pg-boss jobs), so a later test file's start does not meet them as a
  // run in progress, and no other file has to touch runs it did not create.
  const boss = await getBoss().catch(() => null);
  const leftOver = await db.jobRun.findMany({
    where: { jobName: { in: [purgeAuditJob.id, reconcileIndexJob.id, deleteRepositoryJob.id, retentionRunJob.id, replicationRunJob.id] }, trigger: { in: [admin?.username ?? "walk", "walk"] }, status: { in: ["queued", "running"] } },
    select: { id: true, jobName: true, bossJobId: true },
  });
  for (const run of leftOver) if (run.bossJobId) await boss?.cancel(run.jobName, run.bossJobId).catch(() => undefined);
  await db.jobRun.updateMany({ where: { id: { in: leftOver.map((r) => r.id) } }, data: { status: "failed", error: "queued by the audit walk, which runs no worker", finishedAt: new Date() } });
  // startReconcile queued jobs through a send-only pg-boss; stop it so the run can end.
  await boss?.stop({ graceful: false }).catch(() => undefined);
  setSharedBoss(undefined);
});

/** A rule no tag of the walk matches (`walk-none-*`), so it refuses none of the walk's deletes. */
function immutableRuleBody() {
  return { tag_selectors: [{ kind: "doublestar", decoration: "matches", pattern: "walk-none-*" }], scope_selectors: { repository: [{ kind: "doublestar", decoration: "repoMatches", pattern: "**" }] } };
}

/** A rule to update or delete, inserted directly (setup is not an audited action). */
async function walkImmutableRule(): Promise<number> {
  const selector = (pattern: string) => ({ decoration: "matches", kind: "doublestar", pattern });
  return (await db.immutableTagRule.create({ data: { projectId: shared.project.id, position: 100, repositories: selector("**"), tags: selector("walk-none-*") }, select: { id: true } })).id;
}

/**
 * A manual scan needs a scanner: a registration of the walk's own (setup, not audited) chosen by the
 * shared project for the one call; the scan.artifact run it queued is ended (no worker here) and the
 * registration deleted with its report, so files that count registrations never see it.
 */
function withWalkScanner(run: () => Promise<unknown>): () => Promise<unknown> {
  return async () => {
    const scanner = await db.scanner.create({ data: { name: uniqueName("walk-scanner"), url: "http://127.0.0.1:9/scanner" }, select: { id: true } });
    await db.projectScanner.create({ data: { projectId: shared.project.id, scannerId: scanner.id } });
    try {
      return await run();
    } finally {
      const reports = await db.scanReport.findMany({ where: { scannerId: scanner.id }, select: { runId: true } });
      const runs = await db.jobRun.findMany({ where: { id: { in: reports.flatMap((r) => (r.runId ? [r.runId] : [])) }, status: "queued" }, select: { id: true, bossJobId: true } });
      const boss = await getBoss().catch(() => null);
      for (const r of runs) if (r.bossJobId) await boss?.cancel(artifactScanJob.id, r.bossJobId).catch(() => undefined);
      await db.jobRun.updateMany({ where: { id: { in: runs.map((r) => r.id) } }, data: { status: "failed", error: "queued by the audit walk, which runs no worker", finishedAt: new Date() } });
      await db.scanner.delete({ where: { id: scanner.id } });
    }
  };
}

// ---- running one mutation ----------------------------------------------------------------------

/**
 * A repository delete, then the job it queued, run to its end here: the request's row is the one
 * audit row of the whole delete (the job writes none), and the repository is gone afterwards.
 */
function withDeleteJob(repository: string, run: () => Promise<unknown>): () => Promise<unknown> {
  return async () => {
    const answer = await run();
    const queued = await db.jobRun.findMany({ where: { jobName: deleteRepositoryJob.id, status: "queued", payload: { path: ["repository"], equals: repository } }, select: { id: true } });
    if (queued.length !== 1) throw new Error(`expected one queued delete of ${repository}, found ${queued.length}`);
    await runQueuedRun(deleteRepositoryJob, queued[0]!.id);
    if ((await db.repository.count({ where: { name: repository } })) !== 0) throw new Error(`${repository} survived its delete job`);
    return answer;
  };
}

type Outcome = { ok: boolean; detail: string };

function outcomeOf(value: unknown): Outcome {
  if (value instanceof RedirectSignal) return { ok: true, detail: value.message };
  if (value instanceof Response) return { ok: value.status < 400, detail: `HTTP ${value.status}` };
  if (value && typeof value === "object" && "ok" in value) {
    const result = value as ActionResult;
    return { ok: result.ok, detail: JSON.stringify(result) };
  }
  throw new Error(`cannot judge ${String(value)}`);
}

async function lastAuditId(): Promise<bigint> {
  return (await db.auditEvent.findFirst({ orderBy: { id: "desc" }, select: { id: true } }))?.id ?? 0n;
}

/** Runs `fn` once, as `actor` for server actions, and returns what it answered and the rows it wrote. */
/**
 * The counts of refusal rows that may still count (recordRefusal: the same refusal within one
 * minute adds one to its row instead of writing another), by id.
 */
async function openRefusalCounts(): Promise<Map<bigint, number>> {
  const rows = await db.$queryRaw<{ id: bigint; repeat_count: number }[]>`
    SELECT id, repeat_count FROM audit_events WHERE dedupe_key IS NOT NULL AND occurred_at > now() - interval '2 minutes'`;
  return new Map(rows.map((r) => [r.id, r.repeat_count]));
}

/**
 * Runs `fn` once, as `actor` for server actions, and returns what it answered and the rows it
 * wrote: new rows, and the refusal rows it counted once more (an identical refusal earlier in the
 * same minute, e.g. the console action and the REST route refusing the auditor the same operation).
 */
async function measure(actor: User, fn: () => Promise<unknown>) {
  const counted = await openRefusalCounts();
  const since = await lastAuditId();
  state.actor = actorFor(actor);
  let value: unknown;
  try {
    value = await fn();
  } catch (err) {
    if (!(err instanceof RedirectSignal)) throw err;
    value = err;
  } finally {
    state.actor = undefined;
  }
  // Refusals are written outside the transaction but before the answer, so they are all in.
  const after = await openRefusalCounts();
  const recounted = [...after].filter(([id, n]) => id <= since && counted.has(id) && n > counted.get(id)!).map(([id]) => id);
  const rows = await db.auditEvent.findMany({ where: { OR: [{ id: { gt: since } }, { id: { in: recounted } }] }, orderBy: { id: "asc" } });
  if (value instanceof Response) {
    const text = await value.clone().text();
    const secret = /"secret"\s*:\s*"([^"]+)"/.exec(text)?.[1];
    if (secret) secrets.add(secret);
  } else if (value && typeof value === "object" && "secret" in value && typeof value.secret === "string") {
    secrets.add(value.secret);
  }
  return { outcome: outcomeOf(value), rows };
}

// ---- calling actions and routes ----------------------------------------------------------------

function form(fields: Record<string, string | number | string[]>): FormData {
  const data = new FormData();
  for (const [k, v] of Object.entries(fields)) for (const one of Array.isArray(v) ? v : [v]) data.append(k, String(one));
  return data;
}
const INITIAL = { ok: false };

function action(key: string, ...args: unknown[]): () => Promise<unknown> {
  return () => {
    const fn = callables.get(key);
    if (!fn) throw new Error(`no server action ${key}`);
    return fn(...args);
  };
}

/** A REST call in-process: `path` relative to /api/v2.0; `params` are the decoded dynamic segments. */
function rest(key: string, caller: User, apiPath: string, params: Record<string, string>, body?: unknown): () => Promise<unknown> {
  return () => {
    const fn = callables.get(key);
    if (!fn) throw new Error(`no route ${key}`);
    const method = key.split(" ")[0]!;
    const auth = basic(caller.username);
    secrets.add(auth.slice("Basic ".length));
    return fn(apiRequest(apiPath, { method, auth, body }), { params: Promise.resolve(params) });
  };
}

// ---- the table ---------------------------------------------------------------------------------

/** What a case must do: the success runs as an administrator, the refusal as an auditor. */
type Case =
  | {
      /** The audit action of the success row, and of the refusal's row. */
      action: AuditAction;
      success: () => Promise<{ as?: User; run: () => Promise<unknown> }>;
      refused: () => Promise<{ as?: User; run: () => Promise<unknown> }>;
    }
  | {
      /**
       * A user's own preference (the console language): nothing to refuse an auditor, who may
       * change it too, with exactly one row like anyone; `refusedAs` runs it as a non-user (none).
       */
      action: AuditAction;
      success: () => Promise<{ as?: User; run: () => Promise<unknown> }>;
      ownPreference: true;
    }
  | { read: () => () => Promise<unknown> }
  | { noMutation: () => () => Promise<unknown> }
  | { coveredElsewhere: string };

const A = {
  users: "app/(console)/admin/users/actions.ts",
  settings: "app/(console)/admin/settings/actions.ts",
  authentication: "app/(console)/admin/authentication/actions.ts",
  health: "app/(console)/admin/health/actions.ts",
  schedule: "app/(console)/admin/health/schedule-actions.ts",
  projects: "app/(console)/projects/actions.ts",
  repos: "app/(console)/projects/[projectId]/repositories/actions.ts",
  config: "app/(console)/projects/[projectId]/configuration/actions.ts",
  cache: "app/(console)/projects/[projectId]/cache/actions.ts",
  members: "app/(console)/projects/[projectId]/members/actions.ts",
  robots: "app/(console)/projects/[projectId]/robots/actions.ts",
  systemRobots: "app/(console)/admin/robots/actions.ts",
  account: "app/(console)/account/actions.ts",
  twoFactor: "app/(console)/account/two-factor-actions.ts",
  retention: "app/(console)/admin/audit-log/policy/actions.ts",
  registries: "app/(console)/admin/registries/actions.ts",
  replications: "app/(console)/admin/replications/actions.ts",
  policy: "app/(console)/projects/[projectId]/policy/actions.ts",
  webhooks: "app/(console)/projects/[projectId]/webhooks/actions.ts",
  labels: "app/(console)/admin/labels/actions.ts",
  artifactLabels: "app/(console)/projects/[projectId]/repositories/label-actions.ts",
  retentionDefault: "app/(console)/admin/retention/actions.ts",
  oidc: "app/(console)/admin/authentication/oidc-actions.ts",
  groups: "app/(console)/admin/groups/actions.ts",
};
const P = "/api/v2.0/projects/{project_name_or_id}";
const R = `${P}/repositories/{repository_name}`;
const ART = `${R}/artifacts/{reference}`;
/** LDAP settings the walk saves (and removes again): no directory is contacted by a save. */
const walkLdapSettings = { url: "ldap://127.0.0.1:1", bindDn: "cn=walk,dc=wharf,dc=test", bindPassword: "walk-bind-secret", userBaseDn: "ou=people,dc=wharf,dc=test", uidAttribute: "uid", scope: "sub" };
const NEW_PASSWORD = "Walk-new-Passw0rd";
secrets.add(NEW_PASSWORD);

const WALK_OIDC_SECRET = "walk-oidc-client-Secret-7";
secrets.add(WALK_OIDC_SECRET);
const oidcForm = () => ({ providerName: "Walk IdP", issuer: "http://127.0.0.1:9", clientId: "wharf-walk", clientSecret: WALK_OIDC_SECRET, scopes: "openid profile email groups", usernameClaim: "preferred_username", groupsClaim: "groups", adminGroup: "", autoOnboard: "on", verifyCertificate: "on" });
/** Runs a save of the OIDC settings and puts the global row back as it was (setup, not audited). */
function withOidcConfigRestored(run: () => Promise<unknown>): () => Promise<unknown> {
  return async () => {
    const before = await db.systemSetting.findUnique({ where: { key: "oidc_config" } });
    try {
      return await run();
    } finally {
      if (before) await db.systemSetting.update({ where: { key: "oidc_config" }, data: { value: before.value as never } });
      else await db.systemSetting.deleteMany({ where: { key: "oidc_config" } });
    }
  };
}
/** Runs `run` and puts the global sign-in settings (auth_mode, ldap_config, oidc_config) back as they were (setup, not audited). */
function withAuthSettingsRestored(run: () => Promise<unknown>): () => Promise<unknown> {
  const keys = ["auth_mode", "ldap_config", "oidc_config"];
  return async () => {
    const before = await db.systemSetting.findMany({ where: { key: { in: keys } } });
    try {
      return await run();
    } finally {
      await db.systemSetting.deleteMany({ where: { key: { in: keys.filter((k) => !before.some((b) => b.key === k)) } } });
      for (const row of before) await db.systemSetting.upsert({ where: { key: row.key }, create: { key: row.key, value: row.value as never }, update: { value: row.value as never } });
    }
  };
}
const newWalkGroup = () => db.userGroup.create({ data: { groupType: "oidc", externalKey: uniqueName("walk-group"), name: uniqueName("walk-group") } });
const newProjectMember = async () => {
  const project = await createProject();
  const user = await createMember(project.id, 3);
  const { id } = await db.projectMember.findFirstOrThrow({ where: { projectId: project.id, userId: user.id }, select: { id: true } });
  return { project, user, memberId: id };
};
/** A project with a retention policy of its own (Harbor's retention id is the policy's). */
const retentionPolicy = async () => {
  const project = await createProject();
  const policy = await setProjectRetention({ actor: actorFor(admin), projectId: project.id, input: { rules: [{ template: "always", repositories: { decoration: "matches", kind: "doublestar", pattern: "**" }, tags: { decoration: "matches", kind: "doublestar", pattern: "**", untagged: true } }] } });
  return { project, id: String(policy.id) };
};
/** A dry run whose run failed (as when pg-boss gave up on it), for the retry walk. */
const failedRetentionExecution = async () => {
  const { project } = await retentionPolicy();
  const { executionId, runId } = await startRetentionRun({ actor: actorFor(admin), projectId: project.id, dryRun: true });
  await db.jobRun.update({ where: { id: runId }, data: { status: "failed", error: "walk: failed", finishedAt: new Date() }, select: { id: true } });
  return { projectId: project.id, executionId };
};
/** A policy that keeps everything (no schedule): saving it changes nothing a walk's deletes depend on. */
const walkRetentionPolicy = { rules: [{ template: "always", repositories: { decoration: "matches", kind: "doublestar", pattern: "**" }, tags: { decoration: "matches", kind: "doublestar", pattern: "**", untagged: true } }], schedule: null };
const walkImmutableRuleJson = JSON.stringify({ repositories: { decoration: "matches", kind: "doublestar", pattern: "**" }, tags: { decoration: "matches", kind: "doublestar", pattern: "walk-none-*" } });
const harborRetention = (projectId: number) => ({
  algorithm: "or",
  rules: [{ template: "latestPushedK", params: { latestPushedK: 3 }, tag_selectors: [{ kind: "doublestar", decoration: "matches", pattern: "**", extras: '{"untagged":true}' }], scope_selectors: { repository: [{ kind: "doublestar", decoration: "repoMatches", pattern: "**" }] } }],
  trigger: { kind: "Schedule", settings: { cron: "" } },
  scope: { level: "project", ref: projectId },
});
/** Keeps everything, no schedule: the system default the retention tests set too, so a walk's save changes nothing they depend on. */
const harborSystemDefault = {
  algorithm: "or",
  rules: [{ template: "always", params: {}, tag_selectors: [{ kind: "doublestar", decoration: "matches", pattern: "**", extras: '{"untagged":true}' }], scope_selectors: { repository: [{ kind: "doublestar", decoration: "repoMatches", pattern: "**" }] } }],
  trigger: { kind: "Schedule", settings: { cron: "" } },
  scope: { level: "system", ref: 0 },
};
const failedRun = () =>
  db.jobRun.create({ data: { jobName: reconcileIndexJob.id, jobVersion: reconcileIndexJob.version, trigger: "walk", status: "failed", error: "walk" }, select: { id: true } });
/** A repository delete whose job failed for good: the repository stays hidden, its run waits for a retry. */
const failedDeleteRun = async () => {
  const c = await pushed(["1.0"]);
  const { runId } = await deleteRepository({ actor: actorFor(admin), repository: c.repository, projectId: c.project.id });
  const run = await db.jobRun.update({ where: { id: runId }, data: { status: "failed", error: "walk", trigger: "walk" }, select: { bossJobId: true } });
  await (await getBoss()).cancel(deleteRepositoryJob.id, run.bossJobId!);
  return runId;
};
const failedPurgeRun = () =>
  db.jobRun.create({ data: { jobName: "audit.purge", jobVersion: 1, trigger: "walk", status: "failed", error: "walk" }, select: { id: true } });
const sharedRepoParams = () => ({ project_name_or_id: shared.project.name, repository_name: "app" });
const sharedRepoPath = () => `/projects/${shared.project.name}/repositories/app`;
/** A system robot (all projects, pull) for the Administration → Robot accounts walk. */
const systemRobotId = async () =>
  (await createSystemRobot({ actor: actorFor(admin), input: { name: uniqueName("sys").replace("-", ""), description: "", durationDays: -1, grants: [{ namespace: "*", permission: "repository:pull" }] } })).robot.id;
const systemRobotForm = () => form({ name: uniqueName("sys").replace("-", ""), durationDays: -1, scopes: 1, "namespace-0": "*", "permissions-0": "repository:pull" });

const robotBody = (project: string) => ({
  name: uniqueName("walk").replace("-", ""),
  level: "project",
  duration: -1,
  permissions: [{ kind: "project", namespace: project, access: [{ resource: "repository", action: "pull" }] }],
});

/** Registry endpoint settings that connect: the backing registry with Wharf's own credentials. */
const registryCredentials = () => {
  const username = process.env.WHARF_REGISTRY_USERNAME ?? "";
  const password = process.env.WHARF_REGISTRY_PASSWORD ?? "";
  secrets.add(password);
  return { username, password };
};
const registryBody = () => {
  const { username, password } = registryCredentials();
  return { name: uniqueName("walk-reg"), url: process.env.WHARF_REGISTRY_URL, type: "docker-registry", credential: { type: "basic", access_key: username, access_secret: password } };
};
/** The console form's fields for a registry endpoint that connects. */
const registryForm = () => {
  const { username, password } = registryCredentials();
  return { name: uniqueName("walk-reg"), type: "docker-registry", url: process.env.WHARF_REGISTRY_URL ?? "", credentialType: "basic", username, secret: password, description: "walk" };
};
const newRegistry = async () => {
  const { username, password } = registryCredentials();
  const input = { name: uniqueName("walk-reg"), url: process.env.WHARF_REGISTRY_URL, type: "docker-registry", credentialType: "basic", username, secret: password };
  return (await createRegistry({ actor: actorFor(admin), input })).id;
};

/**
 * Scanner registrations: the built-in adapter's metadata handler behind a local server, so Test
 * connection succeeds (Bearer key from WHARF_SECRET_KEY, as Wharf registers its own adapter).
 */
const walkAdapter = { url: "", key: "" };
let walkAdapterServer: ReturnType<typeof createServer> | undefined;
afterAll(() => void walkAdapterServer?.close());
beforeAll(async () => {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const headers = new Headers(req.headers.authorization ? { authorization: req.headers.authorization } : {});
    const answer = url.pathname === "/scanner/api/v1/metadata" ? handleMetadata(new Request(url, { headers })) : Promise.resolve(new Response(null, { status: 404 }));
    void answer.then(async (r) => res.writeHead(r.status, Object.fromEntries(r.headers)).end(Buffer.from(await r.arrayBuffer())));
  });
  server.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  walkAdapterServer = server;
  walkAdapter.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scanner`;
  walkAdapter.key = builtinAdapterKey();
  secrets.add(walkAdapter.key);
});
const scannerForm = () => ({ name: uniqueName("walk-scanner"), url: walkAdapter.url, auth: "Bearer", accessCredential: walkAdapter.key, description: "walk" });
const scannerBody = () => ({ name: uniqueName("walk-scanner"), url: walkAdapter.url, auth: "Bearer", access_credential: walkAdapter.key });
const newScanner = async () => createScanner({ actor: actorFor(admin), input: scannerForm() });
/** Runs `run`, then puts the default back (setup, no audit row), so a walk's set-default changes nothing other cases rely on. */
function keepingDefault(run: () => Promise<unknown>): () => Promise<unknown> {
  return async () => {
    const before = await db.scanner.findFirst({ where: { isDefault: true }, select: { id: true } });
    try {
      return await run();
    } finally {
      await db.scanner.updateMany({ where: { isDefault: true }, data: { isDefault: false } });
      if (before) await db.scanner.update({ where: { id: before.id }, data: { isDefault: true } });
    }
  };
}
const SCANNER_ACTIONS = "app/(console)/admin/scanners/actions.ts";
const PROJECT_SCANNER_ACTIONS = "app/(console)/projects/[projectId]/configuration/scanner-actions.ts";

/** A push policy to a registry endpoint that selects nothing of the walk's (`walk-none/**`). */
const replicationPolicyBody = async () => ({
  name: uniqueName("walk-repl"),
  direction: "push",
  endpointId: await newRegistry(),
  filters: { name: { decoration: "matches", kind: "doublestar", pattern: "walk-none/**" }, tag: null, resource: "image" },
});
const newReplicationPolicy = async () => (await createReplicationPolicy({ actor: actorFor(admin), input: await replicationPolicyBody() })).id;
/** An execution of a new policy, written directly (setup is not an audited action): in progress, or ended with one failed task. */
const replicationExecution = async (status: "InProgress" | "Failed") => {
  const execution = await db.replicationExecution.create({ data: { policyId: await newReplicationPolicy(), trigger: "manual", triggeredBy: "walk", status, ...(status === "Failed" ? { endedAt: new Date() } : {}) }, select: { id: true } });
  if (status === "Failed")
    await db.replicationTask.create({ data: { executionId: execution.id, operation: "copy", resourceType: "image", srcRepository: "walk-none/app", dstRepository: "walk-none/app", digest: `sha256:${"0".repeat(64)}`, tags: ["1.0"], status: "Failed" } });
  return execution.id;
};
/** A push policy to a new endpoint in Harbor's REST shape. */
const harborReplicationPolicy = async () => ({ name: uniqueName("walk-repl"), dest_registry: { id: await newRegistry() }, filters: [{ type: "name", value: "walk-none/**" }], trigger: { type: "manual" } });

/**
 * The scripted vulnerability DB upload: the zip as the body (Content-Type: application/zip). A
 * success's queued import is carried out here, so the walk leaves no run for a worker.
 */
function vulnDbUpload(caller: User): () => Promise<unknown> {
  return async () => {
    const fn = callables.get("POST /api/v2.0/vulnerability-db/imports");
    if (!fn) throw new Error("no route POST /api/v2.0/vulnerability-db/imports");
    const auth = basic(caller.username);
    secrets.add(auth.slice("Basic ".length));
    const req = new NextRequest("http://localhost:3000/api/v2.0/vulnerability-db/imports?file_name=walk.zip", {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/zip", "user-agent": "vitest", "x-wharf-client-ip": "192.0.2.20" },
      body: new Uint8Array(fixtureOsvZip("Alpine").zip),
    });
    const answer = (await fn(req, { params: Promise.resolve({}) })) as Response;
    if (answer.status === 202) {
      const { id } = (await answer.clone().json()) as { id: number };
      const run = await db.jobRun.findFirstOrThrow({ where: { jobName: vulnDbImportJob.id, payload: { path: ["importId"], equals: id } }, select: { id: true } });
      await runQueuedRun(vulnDbImportJob, run.id);
    }
    return answer;
  };
}

/**
 * An image import: the shared image as an OCI layout tar (downloaded while the case is set up,
 * so its artifact.download row is not the case's), sent as the body.
 */
async function imageImport(caller: User, project: string, tag: string): Promise<() => Promise<unknown>> {
  const { downloadArtifact } = await import("@/lib/services/repositories/download-artifact");
  const tar = await downloadArtifact({ actor: actorFor(admin), repository: shared.repository, reference: "1.0", options: { format: "oci-layout" } });
  const body = new Uint8Array(await new Response(tar.stream).arrayBuffer());
  return async () => {
    const fn = callables.get(`POST ${R}/import`);
    if (!fn) throw new Error(`no route POST ${R}/import`);
    const auth = basic(caller.username);
    secrets.add(auth.slice("Basic ".length));
    const req = new NextRequest(`http://localhost:3000/api/v2.0/projects/${project}/repositories/imported/import?tag=${tag}`, {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/x-tar", "user-agent": "vitest", "x-wharf-client-ip": "192.0.2.20" },
      body,
    });
    return fn(req, { params: Promise.resolve({ project_name_or_id: project, repository_name: "imported" }) });
  };
}

const VULN_DB_ACTIONS = "app/(console)/admin/vulnerability-db/actions.ts";

/** The console's URL import, from a local server serving the fixture records; a queued import is carried out. */
function vulnDbUrlImport(): () => Promise<unknown> {
  return async () => {
    const served = await serveZip(fixtureOsvZip("npm").zip);
    try {
      const answer = (await action(`${VULN_DB_ACTIONS}#startUrlImportAction`, INITIAL, form({ url: served.url }))()) as ActionResult;
      const queued = await db.jobRun.findMany({ where: { jobName: vulnDbImportJob.id, status: "queued" }, select: { id: true } });
      for (const run of queued) await runQueuedRun(vulnDbImportJob, run.id);
      return answer;
    } finally {
      await served.close();
    }
  };
}


const GC_ACTIONS = "app/(console)/admin/clean-up/actions.ts";

/** Ends any garbage collection still queued or going on, straight in the database (no audit row; the walk runs no worker). */
async function endGcsDirectly(): Promise<void> {
  const runs = await db.jobRun.findMany({ where: { jobName: registryGcJob.id, status: { in: ["queued", "running"] } }, select: { id: true, bossJobId: true } });
  const boss = await getBoss().catch(() => null);
  for (const r of runs) if (r.bossJobId) await boss?.cancel(registryGcJob.id, r.bossJobId).catch(() => undefined);
  await db.jobRun.updateMany({ where: { id: { in: runs.map((r) => r.id) } }, data: { status: "failed", error: "queued by the audit walk, which runs no worker", finishedAt: new Date() } });
}

/** A garbage collection to start: none going on before, and the one started ended after. */
function startsGc(run: () => Promise<unknown>): () => Promise<unknown> {
  return async () => {
    await endGcsDirectly();
    try {
      return await run();
    } finally {
      await endGcsDirectly();
    }
  };
}

/** A queued garbage collection to stop (started in setup: its row is setup's), and its id. */
async function gcToStop(run: (id: number) => () => Promise<unknown>): Promise<{ run: () => Promise<unknown> }> {
  await endGcsDirectly();
  const { id } = await startGc({ actor: actorFor(admin), input: { dryRun: true } });
  const call = run(id);
  return {
    run: async () => {
      try {
        return await call();
      } finally {
        await endGcsDirectly();
      }
    },
  };
}

const SCAN_ALL_ACTIONS = "app/(console)/admin/vulnerability-db/scan-all-actions.ts";
const SCAN_STOP_ACTIONS = "app/(console)/projects/[projectId]/repositories/[...path]/scan-stop-actions.ts";

/**
 * Ends any scan all still queued or going on, straight in the database (no audit row; the walk runs
 * no worker): its pg-boss job cancelled and its run failed, so the next start is not a 409.
 */
async function endScanAllsDirectly(): Promise<void> {
  const runs = await db.jobRun.findMany({ where: { jobName: scanAllJob.id, status: { in: ["queued", "running"] } }, select: { id: true, bossJobId: true } });
  const boss = await getBoss().catch(() => null);
  for (const r of runs) if (r.bossJobId) await boss?.cancel(scanAllJob.id, r.bossJobId).catch(() => undefined);
  await db.jobRun.updateMany({ where: { id: { in: runs.map((r) => r.id) } }, data: { status: "failed", error: "queued by the audit walk, which runs no worker", finishedAt: new Date() } });
}

/** A scan all to start: none going on before, and the one started ended after. */
function startsScanAll(run: () => Promise<unknown>): () => Promise<unknown> {
  return async () => {
    await endScanAllsDirectly();
    try {
      return await run();
    } finally {
      await endScanAllsDirectly();
    }
  };
}

/** A scan all to stop: started in setup (its row is setup's, not the measured call's). */
async function scanAllToStop(run: () => Promise<unknown>): Promise<{ run: () => Promise<unknown> }> {
  await endScanAllsDirectly();
  await startScanAll({ actor: actorFor(admin) });
  return {
    run: async () => {
      try {
        return await run();
      } finally {
        await endScanAllsDirectly();
      }
    },
  };
}

/**
 * A scan of the shared artifact queued in setup (its `artifact.scan` row is setup's) by a walk
 * scanner, so that a stop has one to stop; what is left queued and the scanner go after the call.
 */
async function queuedScanToStop(run: () => Promise<unknown>): Promise<{ run: () => Promise<unknown> }> {
  const scanner = await db.scanner.create({ data: { name: uniqueName("walk-scanner"), url: "http://127.0.0.1:9/scanner" }, select: { id: true } });
  await db.projectScanner.upsert({ where: { projectId: shared.project.id }, create: { projectId: shared.project.id, scannerId: scanner.id }, update: { scannerId: scanner.id } });
  await startArtifactScan({ actor: actorFor(admin), repository: shared.repository, reference: shared.digest });
  return {
    run: async () => {
      try {
        return await run();
      } finally {
        const reports = await db.scanReport.findMany({ where: { scannerId: scanner.id }, select: { runId: true } });
        const runs = await db.jobRun.findMany({ where: { id: { in: reports.flatMap((r) => (r.runId ? [r.runId] : [])) }, status: "queued" }, select: { id: true, bossJobId: true } });
        const boss = await getBoss().catch(() => null);
        for (const r of runs) if (r.bossJobId) await boss?.cancel(artifactScanJob.id, r.bossJobId).catch(() => undefined);
        await db.jobRun.updateMany({ where: { id: { in: runs.map((r) => r.id) } }, data: { status: "failed", error: "queued by the audit walk, which runs no worker", finishedAt: new Date() } });
        await db.scanner.delete({ where: { id: scanner.id } });
      }
    },
  };
}

/** A webhook policy of the shared project (created in setup; its row is setup's). */
async function walkWebhook(): Promise<{ id: string; path: string; params: Record<string, string> }> {
  const { createWebhookPolicy } = await import("@/lib/services/webhooks/policies");
  const policy = await createWebhookPolicy({ actor: actorFor(admin), project: shared.project.id, input: walkWebhookBody(uniqueName("walk-hook")) });
  const id = String(policy.id);
  return { id, path: `/projects/${shared.project.name}/webhook/policies/${id}`, params: { project_name_or_id: shared.project.name, webhook_policy_id: id } };
}
/** A label to change, delete or attach (setup is not an audited action): the shared project's, or global. */
async function walkLabel({ global = false, attached = false }: { global?: boolean; attached?: boolean } = {}): Promise<{ id: number; name: string }> {
  const label = await db.label.create({ data: { name: uniqueName("walk-label"), color: "#000000", projectId: global ? null : shared.project.id }, select: { id: true, name: true } });
  if (attached) {
    const artifact = await db.artifact.findFirstOrThrow({ where: { digest: shared.digest, repository: { name: shared.repository } }, select: { id: true } });
    await db.artifactLabel.create({ data: { artifactId: artifact.id, labelId: label.id } });
  }
  return label;
}
const labelForm = (name: string) => ({ name, color: "#2E7D32", description: "walk" });
const walkWebhookBody = (name: string) => ({ name, eventTypes: ["PUSH_ARTIFACT"], targetType: "http", address: "http://127.0.0.1:9/hook" });
const webhookForm = (name: string) => ({ name, eventTypes: "PUSH_ARTIFACT", targetType: "http", address: "http://127.0.0.1:9/hook", authHeader: "Bearer walk-hook-secret", enabled: "on" });
const harborWebhook = (name: string) => ({ name, event_types: ["PUSH_ARTIFACT"], targets: [{ type: "http", address: "http://127.0.0.1:9/hook", auth_header: "Bearer walk-hook-secret" }] });

const CASES: Record<string, Case> = {
  [`${VULN_DB_ACTIONS}#startUrlImportAction`]: {
    action: "vulnerability_db.import",
    success: async () => ({ run: vulnDbUrlImport() }),
    refused: async () => ({ run: vulnDbUrlImport() }),
  },
  [`${VULN_DB_ACTIONS}#pollVulnDbAction`]: { read: () => action(`${VULN_DB_ACTIONS}#pollVulnDbAction`) },
  // The header search's suggestions: a read through the search service.
  ["app/(console)/search/actions.ts#searchSuggestionsAction"]: { read: () => action("app/(console)/search/actions.ts#searchSuggestionsAction", "app") },
  "POST /api/v2.0/vulnerability-db/imports": {
    action: "vulnerability_db.import",
    success: async () => ({ run: vulnDbUpload(admin) }),
    refused: async () => ({ run: vulnDbUpload(auditor) }),
  },
  // -- registry garbage collection --
  [`${GC_ACTIONS}#startGcAction`]: {
    action: "gc.start",
    success: async () => ({ run: startsGc(action(`${GC_ACTIONS}#startGcAction`, INITIAL, form({ dryRun: "on" }))) }),
    refused: async () => ({ run: startsGc(action(`${GC_ACTIONS}#startGcAction`, INITIAL, form({ dryRun: "on" }))) }),
  },
  [`${GC_ACTIONS}#stopGcAction`]: {
    action: "gc.stop",
    success: () => gcToStop((id) => action(`${GC_ACTIONS}#stopGcAction`, INITIAL, form({ id }))),
    refused: () => gcToStop((id) => action(`${GC_ACTIONS}#stopGcAction`, INITIAL, form({ id }))),
  },
  [`${GC_ACTIONS}#updateGcScheduleAction`]: {
    action: "gc.schedule.update",
    success: async () => ({ run: action(`${GC_ACTIONS}#updateGcScheduleAction`, INITIAL, form({ preset: "none" })) }),
    refused: async () => ({ run: action(`${GC_ACTIONS}#updateGcScheduleAction`, INITIAL, form({ preset: "weekly", dryRun: "on" })) }),
  },
  [`${GC_ACTIONS}#pollGcAction`]: { read: () => action(`${GC_ACTIONS}#pollGcAction`) },
  "POST /api/v2.0/system/gc/schedule": {
    action: "gc.start",
    success: async () => ({ run: startsGc(rest("POST /api/v2.0/system/gc/schedule", admin, "/system/gc/schedule", {}, { schedule: { type: "Manual" }, parameters: { dry_run: true } })) }),
    refused: async () => ({ run: startsGc(rest("POST /api/v2.0/system/gc/schedule", auditor, "/system/gc/schedule", {}, { schedule: { type: "Manual" }, parameters: { dry_run: true } })) }),
  },
  "PUT /api/v2.0/system/gc/schedule": {
    action: "gc.schedule.update",
    success: async () => ({ run: rest("PUT /api/v2.0/system/gc/schedule", admin, "/system/gc/schedule", {}, { schedule: { type: "None" } }) }),
    refused: async () => ({ run: rest("PUT /api/v2.0/system/gc/schedule", auditor, "/system/gc/schedule", {}, { schedule: { type: "Daily" } }) }),
  },
  "PUT /api/v2.0/system/gc/{gc_id}": {
    action: "gc.stop",
    success: () => gcToStop((id) => rest("PUT /api/v2.0/system/gc/{gc_id}", admin, `/system/gc/${id}`, { gc_id: String(id) })),
    refused: () => gcToStop((id) => rest("PUT /api/v2.0/system/gc/{gc_id}", auditor, `/system/gc/${id}`, { gc_id: String(id) })),
  },
  // -- scan all and stopping a scan --
  [`${SCAN_ALL_ACTIONS}#startScanAllAction`]: {
    action: "scan_all.start",
    success: async () => ({ run: startsScanAll(action(`${SCAN_ALL_ACTIONS}#startScanAllAction`, INITIAL, form({}))) }),
    refused: async () => ({ run: startsScanAll(action(`${SCAN_ALL_ACTIONS}#startScanAllAction`, INITIAL, form({}))) }),
  },
  [`${SCAN_ALL_ACTIONS}#stopScanAllAction`]: {
    action: "scan_all.stop",
    success: () => scanAllToStop(action(`${SCAN_ALL_ACTIONS}#stopScanAllAction`, INITIAL, form({}))),
    refused: () => scanAllToStop(action(`${SCAN_ALL_ACTIONS}#stopScanAllAction`, INITIAL, form({}))),
  },
  [`${SCAN_ALL_ACTIONS}#updateScanAllScheduleAction`]: {
    action: "scan_all.schedule.update",
    success: async () => ({ run: action(`${SCAN_ALL_ACTIONS}#updateScanAllScheduleAction`, INITIAL, form({ preset: "none" })) }),
    refused: async () => ({ run: action(`${SCAN_ALL_ACTIONS}#updateScanAllScheduleAction`, INITIAL, form({ preset: "daily" })) }),
  },
  [`${SCAN_ALL_ACTIONS}#pollScanAllAction`]: { read: () => action(`${SCAN_ALL_ACTIONS}#pollScanAllAction`) },
  "PUT /api/v2.0/system/scanAll/schedule": {
    action: "scan_all.schedule.update",
    success: async () => ({ run: rest("PUT /api/v2.0/system/scanAll/schedule", admin, "/system/scanAll/schedule", {}, { schedule: { type: "None" } }) }),
    refused: async () => ({ run: rest("PUT /api/v2.0/system/scanAll/schedule", auditor, "/system/scanAll/schedule", {}, { schedule: { type: "Daily" } }) }),
  },
  "POST /api/v2.0/system/scanAll/schedule": {
    action: "scan_all.start",
    success: async () => ({ run: startsScanAll(rest("POST /api/v2.0/system/scanAll/schedule", admin, "/system/scanAll/schedule", {}, { schedule: { type: "Manual" } })) }),
    refused: async () => ({ run: startsScanAll(rest("POST /api/v2.0/system/scanAll/schedule", auditor, "/system/scanAll/schedule", {}, { schedule: { type: "Manual" } })) }),
  },
  "POST /api/v2.0/system/scanAll/stop": {
    action: "scan_all.stop",
    success: () => scanAllToStop(rest("POST /api/v2.0/system/scanAll/stop", admin, "/system/scanAll/stop", {})),
    refused: () => scanAllToStop(rest("POST /api/v2.0/system/scanAll/stop", auditor, "/system/scanAll/stop", {})),
  },
  [`${SCAN_STOP_ACTIONS}#stopArtifactScanAction`]: {
    action: "artifact.scan.stop",
    success: () => queuedScanToStop(action(`${SCAN_STOP_ACTIONS}#stopArtifactScanAction`, INITIAL, form({ projectId: shared.project.id, repository: shared.repository, digest: shared.digest }))),
    refused: () => queuedScanToStop(action(`${SCAN_STOP_ACTIONS}#stopArtifactScanAction`, INITIAL, form({ projectId: shared.project.id, repository: shared.repository, digest: shared.digest }))),
  },
  // -- server actions: users (admin) --
  [`${A.users}#createUserAction`]: {
    action: "user.create",
    success: async () => {
      const username = uniqueName("walk");
      return { run: action(`${A.users}#createUserAction`, INITIAL, form({ username, email: `${username}@example.test`, fullName: "Walk User", password: NEW_PASSWORD })) };
    },
    refused: async () => {
      const username = uniqueName("walk");
      return { run: action(`${A.users}#createUserAction`, INITIAL, form({ username, email: `${username}@example.test`, fullName: "Walk User", password: NEW_PASSWORD })) };
    },
  },
  [`${A.users}#updateUserAction`]: {
    action: "user.update",
    success: async () => {
      const u = await createTestUser();
      return { run: action(`${A.users}#updateUserAction`, INITIAL, form({ userId: u.id, email: `x-${u.username}@example.test`, fullName: "Changed" })) };
    },
    refused: async () => {
      const u = await createTestUser();
      return { run: action(`${A.users}#updateUserAction`, INITIAL, form({ userId: u.id, email: `x-${u.username}@example.test`, fullName: "Changed" })) };
    },
  },
  [`${A.users}#resetUserPasswordAction`]: {
    action: "user.reset_password",
    success: async () => ({ run: action(`${A.users}#resetUserPasswordAction`, INITIAL, form({ userId: (await createTestUser()).id, password: NEW_PASSWORD })) }),
    refused: async () => ({ run: action(`${A.users}#resetUserPasswordAction`, INITIAL, form({ userId: (await createTestUser()).id, password: NEW_PASSWORD })) }),
  },
  [`${A.users}#setUserDisabledAction`]: {
    action: "user.disable",
    success: async () => ({ run: action(`${A.users}#setUserDisabledAction`, INITIAL, form({ userId: (await createTestUser()).id, disabled: "on" })) }),
    refused: async () => ({ run: action(`${A.users}#setUserDisabledAction`, INITIAL, form({ userId: (await createTestUser()).id, disabled: "on" })) }),
  },
  [`${A.users}#createRoleRuleAction`]: {
    action: "project_role_rule.create",
    success: async () => ({ run: action(`${A.users}#createRoleRuleAction`, INITIAL, form({ userId: (await createTestUser()).id, pattern: "walk-*", roleId: "2" })) }),
    refused: async () => ({ run: action(`${A.users}#createRoleRuleAction`, INITIAL, form({ userId: (await createTestUser()).id, pattern: "walk-*", roleId: "1" })) }),
  },
  [`${A.users}#deleteRoleRuleAction`]: {
    action: "project_role_rule.delete",
    success: async () => {
      const user = await createTestUser();
      const rule = await createRoleRule({ actor: actorFor(admin), input: { userId: user.id, pattern: "walk-*", roleId: 2 } });
      return { run: action(`${A.users}#deleteRoleRuleAction`, INITIAL, form({ userId: user.id, ruleId: rule.id })) };
    },
    refused: async () => {
      const user = await createTestUser();
      const rule = await createRoleRule({ actor: actorFor(admin), input: { userId: user.id, pattern: "walk-*", roleId: 2 } });
      return { run: action(`${A.users}#deleteRoleRuleAction`, INITIAL, form({ userId: user.id, ruleId: rule.id })) };
    },
  },
  [`${A.users}#resetTwoFactorAction`]: {
    action: "two_factor.reset",
    success: async () => {
      const user = await createTestUser();
      await startTwoFactorEnrolment({ actor: actorFor(user) });
      return { run: action(`${A.users}#resetTwoFactorAction`, INITIAL, form({ userId: user.id })) };
    },
    refused: async () => ({ run: action(`${A.users}#resetTwoFactorAction`, INITIAL, form({ userId: (await createTestUser()).id })) }),
  },
  [`${A.users}#setUserSystemRoleAction`]: {
    action: "user.set_system_role",
    success: async () => ({ run: action(`${A.users}#setUserSystemRoleAction`, INITIAL, form({ userId: (await createTestUser()).id, role: "auditor" })) }),
    // The auditor tries to make themself an administrator.
    refused: async () => ({ run: action(`${A.users}#setUserSystemRoleAction`, INITIAL, form({ userId: auditor.id, role: "admin" })) }),
  },
  // -- settings, health --
  [`${A.settings}#updateSystemSettingsAction`]: {
    action: "setting.update",
    // "everyone" is what the other cases rely on; writing it again is still a recorded change.
    success: async () => ({ run: action(`${A.settings}#updateSystemSettingsAction`, INITIAL, form({ projectCreationRestriction: "everyone" })) }),
    refused: async () => ({ run: action(`${A.settings}#updateSystemSettingsAction`, INITIAL, form({ projectCreationRestriction: "adminonly" })) }),
  },
  [`${A.settings}#updateIpAllowlistAction`]: {
    action: "ip_allowlist.update",
    success: async () => ({ run: action(`${A.settings}#updateIpAllowlistAction`, INITIAL, form({ entries: "" })) }),
    refused: async () => ({ run: action(`${A.settings}#updateIpAllowlistAction`, INITIAL, form({ entries: "10.0.0.0/8" })) }),
  },
  [`${A.settings}#updateAdminTwoFactorAction`]: {
    action: "setting.update",
    // Saved off: on would pause the administrators of every other file sharing the database.
    success: async () => ({ run: action(`${A.settings}#updateAdminTwoFactorAction`, INITIAL, form({})) }),
    refused: async () => ({ run: action(`${A.settings}#updateAdminTwoFactorAction`, INITIAL, form({})) }),
  },
  // -- OIDC (Administration → Authentication). A save is global: the walk puts the row back as it found it.
  [`${A.oidc}#saveOidcSettingsAction`]: {
    action: "setting.update",
    success: async () => ({ run: withOidcConfigRestored(action(`${A.oidc}#saveOidcSettingsAction`, INITIAL, form(oidcForm()))) }),
    refused: async () => ({ run: withOidcConfigRestored(action(`${A.oidc}#saveOidcSettingsAction`, INITIAL, form(oidcForm()))) }),
  },
  [`${A.oidc}#testOidcConnectionAction`]: {
    action: "oidc.test_connection",
    // Against a real provider started for the one call, so the success is a real connection.
    success: async () => ({
      run: async () => {
        const idp = await startTestOidcProvider({ redirectUris: ["http://wharf.test:3000/api/auth/callback/oidc"] });
        try {
          return await action(`${A.oidc}#testOidcConnectionAction`, INITIAL, form({ issuer: idp.issuer, verifyCertificate: "on" }))();
        } finally {
          await idp.close();
        }
      },
    }),
    refused: async () => ({ run: action(`${A.oidc}#testOidcConnectionAction`, INITIAL, form({ issuer: "http://127.0.0.1:9", verifyCertificate: "on" })) }),
  },
  [`${A.settings}#updateSystemCveAllowlistAction`]: {
    action: "cve_allowlist.update",
    // An empty list is what the other cases rely on; writing it again is still a recorded change.
    success: async () => ({ run: action(`${A.settings}#updateSystemCveAllowlistAction`, INITIAL, form({ cveIds: "", cveExpiresAt: "" })) }),
    refused: async () => ({ run: action(`${A.settings}#updateSystemCveAllowlistAction`, INITIAL, form({ cveIds: "CVE-2024-1234", cveExpiresAt: "" })) }),
  },
  // -- Administration → Authentication: auth mode and LDAP (issue 18 item 2) --
  [`${A.authentication}#setAuthModeAction`]: {
    action: "setting.update",
    // From another mode (set behind the services, no row) back to db_auth, which every other file relies on.
    success: async () => {
      await db.systemSetting.upsert({ where: { key: "auth_mode" }, create: { key: "auth_mode", value: "oidc_auth" }, update: { value: "oidc_auth" } });
      return { run: action(`${A.authentication}#setAuthModeAction`, INITIAL, form({ mode: "db_auth" })) };
    },
    refused: async () => ({ run: action(`${A.authentication}#setAuthModeAction`, INITIAL, form({ mode: "ldap_auth" })) }),
  },
  [`${A.authentication}#saveLdapSettingsAction`]: {
    action: "setting.update",
    // The configuration is removed again (behind the services, no row): the walk leaves global settings as it found them.
    success: async () => ({
      run: async () => {
        try {
          return await action(`${A.authentication}#saveLdapSettingsAction`, INITIAL, form(walkLdapSettings))();
        } finally {
          await db.systemSetting.deleteMany({ where: { key: "ldap_config" } });
        }
      },
    }),
    refused: async () => ({ run: action(`${A.authentication}#saveLdapSettingsAction`, INITIAL, form(walkLdapSettings)) }),
  },
  // These need a running directory (slapd): lib/services/identity/ldap/ldap.test.ts asserts them against one.
  [`${A.authentication}#importLdapUsersAction`]: { coveredElsewhere: "lib/services/identity/ldap/ldap.test.ts: one user.create row per created user, in one transaction; an auditor's refusal writes one failure row" },
  [`${A.authentication}#testLdapConnectionAction`]: { coveredElsewhere: "lib/services/identity/ldap/ldap.test.ts: Test connection changes nothing and writes no row; an auditor's refusal writes one ldap.ping failure row" },
  [`${A.authentication}#searchLdapUsersAction`]: { coveredElsewhere: "lib/services/identity/ldap/ldap.test.ts: a directory read for administrators, no row; an auditor's refusal writes one ldap.search failure row" },
  [`${A.health}#startReconcileAction`]: {
    action: "index.reconcile.start",
    success: async () => ({ run: action(`${A.health}#startReconcileAction`) }),
    refused: async () => ({ run: action(`${A.health}#startReconcileAction`) }),
  },
  [`${A.health}#retryReconcileAction`]: {
    action: "index.reconcile.retry",
    success: async () => ({ run: action(`${A.health}#retryReconcileAction`, (await failedRun()).id) }),
    refused: async () => ({ run: action(`${A.health}#retryReconcileAction`, (await failedRun()).id) }),
  },
  [`${A.health}#listReconcileRunsAction`]: { read: () => action(`${A.health}#listReconcileRunsAction`) },
  [`${A.health}#retryRepositoryDeleteAction`]: {
    action: "repository.delete.retry",
    success: async () => ({ run: action(`${A.health}#retryRepositoryDeleteAction`, await failedDeleteRun()) }),
    refused: async () => ({ run: action(`${A.health}#retryRepositoryDeleteAction`, await failedDeleteRun()) }),
  },
  [`${A.health}#listRepositoryDeleteRunsAction`]: { read: () => action(`${A.health}#listRepositoryDeleteRunsAction`) },
  [`${A.schedule}#updateReconcileScheduleAction`]: {
    action: "index.reconcile.schedule.update",
    // Saved off: the walk leaves no schedule behind in the test database.
    success: async () => ({ run: action(`${A.schedule}#updateReconcileScheduleAction`, INITIAL, form({ cron: "17 * * * *" })) }),
    refused: async () => ({ run: action(`${A.schedule}#updateReconcileScheduleAction`, INITIAL, form({ enabled: "on", cron: "0 * * * *" })) }),
  },
  // -- audit log retention and forwarding (start before retry: a queued purge refuses a second start) --
  [`${A.retention}#updatePurgePolicyAction`]: {
    action: "audit_log.purge_policy.update",
    success: async () => ({ run: action(`${A.retention}#updatePurgePolicyAction`, INITIAL, form({ retentionDays: 3650, schedulePreset: "none" })) }),
    refused: async () => ({ run: action(`${A.retention}#updatePurgePolicyAction`, INITIAL, form({ retentionDays: 1, schedulePreset: "hourly", enabled: "on" })) }),
  },
  [`${A.retention}#startPurgeAction`]: {
    action: "audit_log.purge.start",
    success: async () => ({ run: action(`${A.retention}#startPurgeAction`) }),
    refused: async () => ({ run: action(`${A.retention}#startPurgeAction`) }),
  },
  [`${A.retention}#retryPurgeAction`]: {
    action: "audit_log.purge.retry",
    success: async () => ({ run: action(`${A.retention}#retryPurgeAction`, (await failedPurgeRun()).id) }),
    refused: async () => ({ run: action(`${A.retention}#retryPurgeAction`, (await failedPurgeRun()).id) }),
  },
  [`${A.retention}#updateForwardingAction`]: {
    action: "audit_log.forwarding.update",
    // Saved switched off: the walk has no receiver to forward to.
    success: async () => ({ run: action(`${A.retention}#updateForwardingAction`, INITIAL, form({ host: "127.0.0.1", port: "6514" })) }),
    refused: async () => ({ run: action(`${A.retention}#updateForwardingAction`, INITIAL, form({ host: "127.0.0.1", port: "6514", enabled: "on" })) }),
  },
  [`${A.retention}#dryRunPurgeAction`]: { read: () => action(`${A.retention}#dryRunPurgeAction`) },
  [`${A.retention}#listPurgeRunsAction`]: { read: () => action(`${A.retention}#listPurgeRunsAction`) },
  [`${A.retention}#getForwardingStatusAction`]: { read: () => action(`${A.retention}#getForwardingStatusAction`) },
  // -- projects --
  [`${A.projects}#createProjectAction`]: {
    action: "project.create",
    success: async () => ({ run: action(`${A.projects}#createProjectAction`, INITIAL, form({ name: uniqueName("walk") })) }),
    refused: async () => ({ run: action(`${A.projects}#createProjectAction`, INITIAL, form({ name: uniqueName("walk") })) }),
  },
  [`${A.cache}#setRegistryMirrorAction`]: {
    action: "setting.update",
    success: async () => {
      // A proxy-cache project to name; mirror mode is switched off again straight after (no row:
      // the setting is removed behind the service's back), so later cases see no mirror.
      const endpoint = await db.registryEndpoint.create({ data: { name: uniqueName("walk-upstream"), type: "docker-registry", url: "http://127.0.0.1:9", credentialType: "none" } });
      const project = await db.project.create({ data: { name: uniqueName("walk-proxy").toLowerCase(), proxyRegistryId: endpoint.id } });
      const run = action(`${A.cache}#setRegistryMirrorAction`, INITIAL, form({ projectId: project.id, mirror: "on" }));
      return {
        run: async () => {
          const answer = await run();
          await db.systemSetting.deleteMany({ where: { key: "registry_mirror_project" } });
          invalidateCaches("registry-grants");
          return answer;
        },
      };
    },
    refused: async () => ({ run: action(`${A.cache}#setRegistryMirrorAction`, INITIAL, form({ projectId: shared.project.id, mirror: "on" })) }),
  },
  [`${A.config}#updateProjectAction`]: {
    action: "project.update",
    success: async () => ({ run: action(`${A.config}#updateProjectAction`, INITIAL, form({ projectId: (await createProject()).id, isPublic: "on" })) }),
    refused: async () => ({ run: action(`${A.config}#updateProjectAction`, INITIAL, form({ projectId: shared.project.id, isPublic: "on" })) }),
  },
  [`${A.config}#updateProjectIpAllowlistAction`]: {
    action: "project.update",
    // Administrators are not bound by project lists, so any list is theirs to save.
    success: async () => ({ run: action(`${A.config}#updateProjectIpAllowlistAction`, INITIAL, form({ projectId: (await createProject()).id, ipAllowlist: "10.0.0.0/8" })) }),
    refused: async () => ({ run: action(`${A.config}#updateProjectIpAllowlistAction`, INITIAL, form({ projectId: shared.project.id, ipAllowlist: "" })) }),
  },
  [`${A.config}#updatePullPolicyAction`]: {
    action: "project.update",
    success: async () => ({
      run: action(`${A.config}#updatePullPolicyAction`, INITIAL, form({ projectId: (await createProject()).id, preventVulnerable: "on", vulnerabilitySeverity: "high", cveIds: "CVE-2024-1234", cveExpiresAt: "" })),
    }),
    refused: async () => ({
      run: action(`${A.config}#updatePullPolicyAction`, INITIAL, form({ projectId: shared.project.id, preventVulnerable: "on", vulnerabilitySeverity: "high", cveIds: "", cveExpiresAt: "" })),
    }),
  },
  [`${A.config}#deleteProjectAction`]: {
    action: "project.delete",
    success: async () => ({ run: action(`${A.config}#deleteProjectAction`, INITIAL, form({ projectId: (await createProject()).id })) }),
    refused: async () => ({ run: action(`${A.config}#deleteProjectAction`, INITIAL, form({ projectId: (await createProject()).id })) }),
  },
  // -- members --
  [`${A.members}#addMemberAction`]: {
    action: "member.create",
    success: async () => ({ run: action(`${A.members}#addMemberAction`, INITIAL, form({ projectId: shared.project.id, username: (await createTestUser()).username, roleId: 2 })) }),
    refused: async () => ({ run: action(`${A.members}#addMemberAction`, INITIAL, form({ projectId: shared.project.id, username: (await createTestUser()).username, roleId: 2 })) }),
  },
  [`${A.members}#addGroupMemberAction`]: {
    action: "member.create",
    success: async () => ({ run: action(`${A.members}#addGroupMemberAction`, INITIAL, form({ projectId: shared.project.id, groupType: "oidc", groupName: uniqueName("walk-team"), roleId: 2 })) }),
    refused: async () => ({ run: action(`${A.members}#addGroupMemberAction`, INITIAL, form({ projectId: shared.project.id, groupType: "oidc", groupName: uniqueName("walk-team"), roleId: 2 })) }),
  },
  // -- groups --
  [`${A.groups}#createGroupRoleRuleAction`]: {
    action: "project_role_rule.create",
    success: async () => ({ run: action(`${A.groups}#createGroupRoleRuleAction`, INITIAL, form({ groupId: (await newWalkGroup()).id, pattern: "walk-*", roleId: "2" })) }),
    refused: async () => ({ run: action(`${A.groups}#createGroupRoleRuleAction`, INITIAL, form({ groupId: (await newWalkGroup()).id, pattern: "walk-*", roleId: "1" })) }),
  },
  [`${A.groups}#deleteGroupRoleRuleAction`]: {
    action: "project_role_rule.delete",
    success: async () => {
      const group = await newWalkGroup();
      const rule = await createGroupRoleRule({ actor: actorFor(admin), input: { groupId: group.id, pattern: "walk-*", roleId: 2 } });
      return { run: action(`${A.groups}#deleteGroupRoleRuleAction`, INITIAL, form({ groupId: group.id, ruleId: rule.id })) };
    },
    refused: async () => {
      const group = await newWalkGroup();
      const rule = await createGroupRoleRule({ actor: actorFor(admin), input: { groupId: group.id, pattern: "walk-*", roleId: 2 } });
      return { run: action(`${A.groups}#deleteGroupRoleRuleAction`, INITIAL, form({ groupId: group.id, ruleId: rule.id })) };
    },
  },
  [`${A.groups}#deleteUserGroupAction`]: {
    action: "user_group.delete",
    success: async () => ({ run: action(`${A.groups}#deleteUserGroupAction`, INITIAL, form({ groupId: (await newWalkGroup()).id })) }),
    refused: async () => ({ run: action(`${A.groups}#deleteUserGroupAction`, INITIAL, form({ groupId: (await newWalkGroup()).id })) }),
  },
  [`${A.members}#updateMemberRoleAction`]: {
    action: "member.update",
    success: async () => {
      const m = await newProjectMember();
      return { run: action(`${A.members}#updateMemberRoleAction`, INITIAL, form({ projectId: m.project.id, memberId: m.memberId, roleId: 2 })) };
    },
    refused: async () => ({ run: action(`${A.members}#updateMemberRoleAction`, INITIAL, form({ projectId: shared.project.id, memberId: shared.memberId, roleId: 1 })) }),
  },
  [`${A.members}#removeMemberAction`]: {
    action: "member.delete",
    success: async () => {
      const m = await newProjectMember();
      return { run: action(`${A.members}#removeMemberAction`, INITIAL, form({ projectId: m.project.id, memberId: m.memberId })) };
    },
    refused: async () => ({ run: action(`${A.members}#removeMemberAction`, INITIAL, form({ projectId: shared.project.id, memberId: shared.memberId })) }),
  },
  [`${A.members}#searchUsersAction`]: { read: () => action(`${A.members}#searchUsersAction`, "walk") },
  // -- robots --
  [`${A.robots}#createProjectRobotAction`]: {
    action: "robot.create",
    success: async () => ({
      run: action(`${A.robots}#createProjectRobotAction`, INITIAL, form({ projectId: shared.project.id, name: uniqueName("r").replace("-", ""), durationDays: -1, permissions: ["repository:pull"] })),
    }),
    refused: async () => ({
      run: action(`${A.robots}#createProjectRobotAction`, INITIAL, form({ projectId: shared.project.id, name: uniqueName("r").replace("-", ""), durationDays: -1, permissions: ["repository:pull"] })),
    }),
  },
  [`${A.robots}#refreshRobotSecretAction`]: {
    action: "robot.refresh_secret",
    success: async () => ({ run: action(`${A.robots}#refreshRobotSecretAction`, INITIAL, form({ projectId: shared.project.id, robotId: (await createRobot(shared.project, ["repository:pull"])).id })) }),
    refused: async () => ({ run: action(`${A.robots}#refreshRobotSecretAction`, INITIAL, form({ projectId: shared.project.id, robotId: shared.robotId })) }),
  },
  [`${A.robots}#setRobotDisabledAction`]: {
    action: "robot.disable",
    success: async () => ({ run: action(`${A.robots}#setRobotDisabledAction`, INITIAL, form({ projectId: shared.project.id, robotId: (await createRobot(shared.project, ["repository:pull"])).id, disabled: "true" })) }),
    refused: async () => ({ run: action(`${A.robots}#setRobotDisabledAction`, INITIAL, form({ projectId: shared.project.id, robotId: shared.robotId, disabled: "true" })) }),
  },
  [`${A.robots}#deleteRobotAction`]: {
    action: "robot.delete",
    success: async () => ({ run: action(`${A.robots}#deleteRobotAction`, INITIAL, form({ projectId: shared.project.id, robotId: (await createRobot(shared.project, ["repository:pull"])).id })) }),
    refused: async () => ({ run: action(`${A.robots}#deleteRobotAction`, INITIAL, form({ projectId: shared.project.id, robotId: shared.robotId })) }),
  },
  [`${A.systemRobots}#createSystemRobotAction`]: {
    action: "robot.create",
    success: async () => ({ run: action(`${A.systemRobots}#createSystemRobotAction`, INITIAL, systemRobotForm()) }),
    refused: async () => ({ run: action(`${A.systemRobots}#createSystemRobotAction`, INITIAL, systemRobotForm()) }),
  },
  [`${A.systemRobots}#refreshSystemRobotSecretAction`]: {
    action: "robot.refresh_secret",
    success: async () => ({ run: action(`${A.systemRobots}#refreshSystemRobotSecretAction`, INITIAL, form({ robotId: await systemRobotId() })) }),
    refused: async () => ({ run: action(`${A.systemRobots}#refreshSystemRobotSecretAction`, INITIAL, form({ robotId: await systemRobotId() })) }),
  },
  [`${A.systemRobots}#setSystemRobotDisabledAction`]: {
    action: "robot.disable",
    success: async () => ({ run: action(`${A.systemRobots}#setSystemRobotDisabledAction`, INITIAL, form({ robotId: await systemRobotId(), disabled: "true" })) }),
    refused: async () => ({ run: action(`${A.systemRobots}#setSystemRobotDisabledAction`, INITIAL, form({ robotId: await systemRobotId(), disabled: "true" })) }),
  },
  [`${A.systemRobots}#deleteSystemRobotAction`]: {
    action: "robot.delete",
    success: async () => ({ run: action(`${A.systemRobots}#deleteSystemRobotAction`, INITIAL, form({ robotId: await systemRobotId() })) }),
    refused: async () => ({ run: action(`${A.systemRobots}#deleteSystemRobotAction`, INITIAL, form({ robotId: await systemRobotId() })) }),
  },
  // -- project policy tab: retention, immutability, naming; the system retention default --
  [`${A.policy}#saveRetentionPolicyAction`]: {
    action: "retention_policy.update",
    success: async () => ({ run: action(`${A.policy}#saveRetentionPolicyAction`, INITIAL, form({ projectId: (await createProject()).id, policy: JSON.stringify(walkRetentionPolicy) })) }),
    refused: async () => ({ run: action(`${A.policy}#saveRetentionPolicyAction`, INITIAL, form({ projectId: shared.project.id, policy: JSON.stringify(walkRetentionPolicy) })) }),
  },
  [`${A.policy}#clearRetentionPolicyAction`]: {
    action: "retention_policy.delete",
    success: async () => ({ run: action(`${A.policy}#clearRetentionPolicyAction`, INITIAL, form({ projectId: (await retentionPolicy()).project.id })) }),
    refused: async () => ({ run: action(`${A.policy}#clearRetentionPolicyAction`, INITIAL, form({ projectId: (await retentionPolicy()).project.id })) }),
  },
  [`${A.policy}#startRetentionRunAction`]: {
    action: "retention_execution.start",
    success: async () => ({ run: action(`${A.policy}#startRetentionRunAction`, INITIAL, form({ projectId: (await retentionPolicy()).project.id, dryRun: "true" })) }),
    refused: async () => ({ run: action(`${A.policy}#startRetentionRunAction`, INITIAL, form({ projectId: shared.project.id, dryRun: "true" })) }),
  },
  [`${A.policy}#stopRetentionRunAction`]: {
    action: "retention_execution.stop",
    success: async () => {
      const { project } = await retentionPolicy();
      const { executionId } = await startRetentionRun({ actor: actorFor(admin), projectId: project.id, dryRun: true });
      return { run: action(`${A.policy}#stopRetentionRunAction`, INITIAL, form({ projectId: project.id, executionId })) };
    },
    refused: async () => {
      const { project } = await retentionPolicy();
      const { executionId } = await startRetentionRun({ actor: actorFor(admin), projectId: project.id, dryRun: true });
      return { run: action(`${A.policy}#stopRetentionRunAction`, INITIAL, form({ projectId: project.id, executionId })) };
    },
  },
  [`${A.policy}#retryRetentionRunAction`]: {
    action: "retention_execution.retry",
    success: async () => ({ run: action(`${A.policy}#retryRetentionRunAction`, INITIAL, form(await failedRetentionExecution())) }),
    refused: async () => ({ run: action(`${A.policy}#retryRetentionRunAction`, INITIAL, form(await failedRetentionExecution())) }),
  },
  [`${A.policy}#saveImmutableRuleAction`]: {
    action: "immutable_rule.create",
    success: async () => ({ run: action(`${A.policy}#saveImmutableRuleAction`, INITIAL, form({ projectId: shared.project.id, rule: walkImmutableRuleJson })) }),
    refused: async () => ({ run: action(`${A.policy}#saveImmutableRuleAction`, INITIAL, form({ projectId: shared.project.id, rule: walkImmutableRuleJson })) }),
  },
  [`${A.policy}#setImmutableRuleDisabledAction`]: {
    action: "immutable_rule.update",
    success: async () => ({ run: action(`${A.policy}#setImmutableRuleDisabledAction`, INITIAL, form({ projectId: shared.project.id, ruleId: await walkImmutableRule(), disabled: "true" })) }),
    refused: async () => ({ run: action(`${A.policy}#setImmutableRuleDisabledAction`, INITIAL, form({ projectId: shared.project.id, ruleId: await walkImmutableRule(), disabled: "true" })) }),
  },
  [`${A.policy}#deleteImmutableRuleAction`]: {
    action: "immutable_rule.delete",
    success: async () => ({ run: action(`${A.policy}#deleteImmutableRuleAction`, INITIAL, form({ projectId: shared.project.id, ruleId: await walkImmutableRule() })) }),
    refused: async () => ({ run: action(`${A.policy}#deleteImmutableRuleAction`, INITIAL, form({ projectId: shared.project.id, ruleId: await walkImmutableRule() })) }),
  },
  [`${A.policy}#saveNamingPolicyAction`]: {
    action: "tag_naming_policy.update",
    success: async () => ({ run: action(`${A.policy}#saveNamingPolicyAction`, INITIAL, form({ projectId: (await createProject()).id, pattern: "walk-.*", enabled: "on" })) }),
    refused: async () => ({ run: action(`${A.policy}#saveNamingPolicyAction`, INITIAL, form({ projectId: shared.project.id, pattern: "walk-.*", enabled: "on" })) }),
  },
  [`${A.retentionDefault}#saveSystemRetentionDefaultAction`]: {
    action: "retention_policy.default_update",
    success: async () => ({ run: action(`${A.retentionDefault}#saveSystemRetentionDefaultAction`, INITIAL, form({ policy: JSON.stringify(walkRetentionPolicy) })) }),
    refused: async () => ({ run: action(`${A.retentionDefault}#saveSystemRetentionDefaultAction`, INITIAL, form({ policy: JSON.stringify(walkRetentionPolicy) })) }),
  },
  // -- repositories, artifacts, tags --
  [`${A.repos}#updateDescriptionAction`]: {
    action: "repository.update",
    success: async () => ({ run: action(`${A.repos}#updateDescriptionAction`, INITIAL, form({ projectId: shared.project.id, repository: shared.repository, description: "walk" })) }),
    refused: async () => ({ run: action(`${A.repos}#updateDescriptionAction`, INITIAL, form({ projectId: shared.project.id, repository: shared.repository, description: "auditor" })) }),
  },
  [`${A.repos}#addTagAction`]: {
    action: "tag.create",
    success: async () => ({ run: action(`${A.repos}#addTagAction`, INITIAL, form({ projectId: shared.project.id, repository: shared.repository, digest: shared.digest, tag: uniqueName("t") })) }),
    refused: async () => ({ run: action(`${A.repos}#addTagAction`, INITIAL, form({ projectId: shared.project.id, repository: shared.repository, digest: shared.digest, tag: uniqueName("t") })) }),
  },
  [`${A.repos}#deleteTagAction`]: {
    action: "tag.delete",
    success: async () => {
      const c = await pushed(["1.0", "2.0"]);
      return { run: action(`${A.repos}#deleteTagAction`, INITIAL, form({ projectId: c.project.id, repository: c.repository, tag: "2.0" })) };
    },
    refused: async () => ({ run: action(`${A.repos}#deleteTagAction`, INITIAL, form({ projectId: shared.project.id, repository: shared.repository, tag: "2.0" })) }),
  },
  [`${A.repos}#deleteArtifactAction`]: {
    action: "artifact.delete",
    success: async () => {
      const c = await pushed(["1.0"]);
      return { run: action(`${A.repos}#deleteArtifactAction`, INITIAL, form({ projectId: c.project.id, repository: c.repository, digest: c.digest })) };
    },
    refused: async () => ({ run: action(`${A.repos}#deleteArtifactAction`, INITIAL, form({ projectId: shared.project.id, repository: shared.repository, digest: shared.digest })) }),
  },
  [`${A.repos}#deleteRepositoryAction`]: {
    action: "repository.delete",
    success: async () => {
      const c = await pushed(["1.0"]);
      return { run: withDeleteJob(c.repository, action(`${A.repos}#deleteRepositoryAction`, INITIAL, form({ projectId: c.project.id, repository: c.repository }))) };
    },
    refused: async () => ({ run: action(`${A.repos}#deleteRepositoryAction`, INITIAL, form({ projectId: shared.project.id, repository: shared.repository })) }),
  },
  [`${A.repos}#copyArtifactAction`]: {
    action: "artifact.copy",
    success: async () => {
      const p = await createProject();
      return { run: action(`${A.repos}#copyArtifactAction`, INITIAL, form({ from: `${shared.repository}:1.0`, project: p.name, repository: "copy", tag: "" })) };
    },
    refused: async () => ({ run: action(`${A.repos}#copyArtifactAction`, INITIAL, form({ from: `${shared.repository}:1.0`, project: shared.project.name, repository: "copy", tag: "" })) }),
  },
  [`${A.repos}#startArtifactScanAction`]: {
    action: "artifact.scan",
    success: async () => ({ run: withWalkScanner(action(`${A.repos}#startArtifactScanAction`, INITIAL, form({ projectId: shared.project.id, repository: shared.repository, digest: shared.digest }))) }),
    refused: async () => ({ run: action(`${A.repos}#startArtifactScanAction`, INITIAL, form({ projectId: shared.project.id, repository: shared.repository, digest: shared.digest })) }),
  },
  // -- own account --
  [`${A.account}#changeOwnPasswordAction`]: {
    action: "user.change_password",
    success: async () => {
      const u = await createTestUser();
      return { as: u, run: action(`${A.account}#changeOwnPasswordAction`, INITIAL, form({ currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD })) };
    },
    // Everyone, auditors included, may change their own password (it changes nothing in the
    // registry); the refusal here is a wrong current password, which is recorded as a failure.
    refused: async () => ({
      run: action(`${A.account}#changeOwnPasswordAction`, INITIAL, form({ currentPassword: "Wrong-Passw0rd-x", newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD })),
    }),
  },

  [`${A.account}#setPreferredLocaleAction`]: {
    action: "user.set_locale",
    success: async () => ({ run: action(`${A.account}#setPreferredLocaleAction`, INITIAL, form({ locale: "zh-CN" })) }),
    ownPreference: true,
  },

  // Two-factor sign-in: each user's own, like the language. The rest need a code from the user's
  // own enrolled secret, which the walk's shared users do not have: one row each, and the wrong
  // code that changes nothing, are proved in two-factor.test.ts.
  [`${A.twoFactor}#startTwoFactorAction`]: {
    action: "two_factor.enrol",
    success: async () => ({ run: action(`${A.twoFactor}#startTwoFactorAction`, INITIAL, form({})) }),
    ownPreference: true,
  },
  [`${A.twoFactor}#confirmTwoFactorAction`]: { coveredElsewhere: "lib/services/auth/two-factor.test.ts" },
  [`${A.twoFactor}#regenerateRecoveryCodesAction`]: { coveredElsewhere: "lib/services/auth/two-factor.test.ts" },
  [`${A.twoFactor}#disableTwoFactorAction`]: { coveredElsewhere: "lib/services/auth/two-factor.test.ts" },
  [`${A.twoFactor}#refreshCliSecretAction`]: { coveredElsewhere: "lib/services/auth/two-factor.test.ts" },

  // -- REST: projects --
  "POST /api/v2.0/projects": {
    action: "project.create",
    success: async () => ({ run: rest("POST /api/v2.0/projects", admin, "/projects", {}, { project_name: uniqueName("walk"), metadata: { public: "false" } }) }),
    refused: async () => ({ run: rest("POST /api/v2.0/projects", auditor, "/projects", {}, { project_name: uniqueName("walk") }) }),
  },
  [`PUT ${P}`]: {
    action: "project.update",
    success: async () => {
      const p = await createProject();
      return { run: rest(`PUT ${P}`, admin, `/projects/${p.name}`, { project_name_or_id: p.name }, { metadata: { public: "true" } }) };
    },
    refused: async () => ({ run: rest(`PUT ${P}`, auditor, `/projects/${shared.project.name}`, { project_name_or_id: shared.project.name }, { metadata: { public: "true" } }) }),
  },
  [`DELETE ${P}`]: {
    action: "project.delete",
    success: async () => {
      const p = await createProject();
      return { run: rest(`DELETE ${P}`, admin, `/projects/${p.name}`, { project_name_or_id: p.name }) };
    },
    refused: async () => {
      const p = await createProject();
      return { run: rest(`DELETE ${P}`, auditor, `/projects/${p.name}`, { project_name_or_id: p.name }) };
    },
  },
  // -- REST: members --
  [`POST ${P}/members`]: {
    action: "member.create",
    success: async () => ({
      run: rest(`POST ${P}/members`, admin, `/projects/${shared.project.name}/members`, { project_name_or_id: shared.project.name }, { role_id: 3, member_user: { username: (await createTestUser()).username } }),
    }),
    refused: async () => ({
      run: rest(`POST ${P}/members`, auditor, `/projects/${shared.project.name}/members`, { project_name_or_id: shared.project.name }, { role_id: 3, member_user: { username: (await createTestUser()).username } }),
    }),
  },
  [`PUT ${P}/members/{mid}`]: {
    action: "member.update",
    success: async () => {
      const m = await newProjectMember();
      return { run: rest(`PUT ${P}/members/{mid}`, admin, `/projects/${m.project.name}/members/${m.memberId}`, { project_name_or_id: m.project.name, mid: String(m.memberId) }, { role_id: 2 }) };
    },
    refused: async () => ({
      run: rest(`PUT ${P}/members/{mid}`, auditor, `/projects/${shared.project.name}/members/${shared.memberId}`, { project_name_or_id: shared.project.name, mid: String(shared.memberId) }, { role_id: 1 }),
    }),
  },
  ["DELETE /api/v2.0/usergroups/{group_id}"]: {
    action: "user_group.delete",
    success: async () => {
      const group = await newWalkGroup();
      return { run: rest("DELETE /api/v2.0/usergroups/{group_id}", admin, `/usergroups/${group.id}`, { group_id: String(group.id) }) };
    },
    refused: async () => {
      const group = await newWalkGroup();
      return { run: rest("DELETE /api/v2.0/usergroups/{group_id}", auditor, `/usergroups/${group.id}`, { group_id: String(group.id) }) };
    },
  },
  [`DELETE ${P}/members/{mid}`]: {
    action: "member.delete",
    success: async () => {
      const m = await newProjectMember();
      return { run: rest(`DELETE ${P}/members/{mid}`, admin, `/projects/${m.project.name}/members/${m.memberId}`, { project_name_or_id: m.project.name, mid: String(m.memberId) }) };
    },
    refused: async () => ({
      run: rest(`DELETE ${P}/members/{mid}`, auditor, `/projects/${shared.project.name}/members/${shared.memberId}`, { project_name_or_id: shared.project.name, mid: String(shared.memberId) }),
    }),
  },
  // -- REST: repositories, artifacts, tags --
  [`PUT ${R}`]: {
    action: "repository.update",
    success: async () => ({ run: rest(`PUT ${R}`, admin, sharedRepoPath(), sharedRepoParams(), { description: "walk rest" }) }),
    refused: async () => ({ run: rest(`PUT ${R}`, auditor, sharedRepoPath(), sharedRepoParams(), { description: "auditor" }) }),
  },
  [`DELETE ${R}`]: {
    action: "repository.delete",
    success: async () => {
      const c = await pushed(["1.0"]);
      return { run: withDeleteJob(c.repository, rest(`DELETE ${R}`, admin, `/projects/${c.project.name}/repositories/app`, { project_name_or_id: c.project.name, repository_name: "app" })) };
    },
    refused: async () => ({ run: rest(`DELETE ${R}`, auditor, sharedRepoPath(), sharedRepoParams()) }),
  },
  [`DELETE ${ART}`]: {
    action: "artifact.delete",
    success: async () => {
      const c = await pushed(["1.0"]);
      return { run: rest(`DELETE ${ART}`, admin, `/projects/${c.project.name}/repositories/app/artifacts/${c.digest}`, { project_name_or_id: c.project.name, repository_name: "app", reference: c.digest }) };
    },
    refused: async () => ({ run: rest(`DELETE ${ART}`, auditor, `${sharedRepoPath()}/artifacts/1.0`, { ...sharedRepoParams(), reference: "1.0" }) }),
  },
  [`POST ${R}/artifacts`]: {
    action: "artifact.copy",
    success: async () => {
      const p = await createProject();
      const from = `${shared.repository}:1.0`;
      return {
        run: rest(`POST ${R}/artifacts`, admin, `/projects/${p.name}/repositories/copy/artifacts?from=${encodeURIComponent(from)}`, { project_name_or_id: p.name, repository_name: "copy" }),
      };
    },
    refused: async () => {
      const from = `${shared.repository}:1.0`;
      return {
        run: rest(`POST ${R}/artifacts`, auditor, `/projects/${shared.project.name}/repositories/copy/artifacts?from=${encodeURIComponent(from)}`, {
          project_name_or_id: shared.project.name,
          repository_name: "copy",
        }),
      };
    },
  },
  [`POST ${R}/import`]: {
    action: "artifact.import",
    success: async () => ({ run: await imageImport(admin, (await createProject()).name, "walk") }),
    refused: async () => ({ run: await imageImport(auditor, shared.project.name, "walk") }),
  },
  [`POST ${ART}/scan/stop`]: {
    action: "artifact.scan.stop",
    success: () => queuedScanToStop(rest(`POST ${ART}/scan/stop`, admin, `${sharedRepoPath()}/artifacts/1.0/scan/stop`, { ...sharedRepoParams(), reference: "1.0" })),
    refused: () => queuedScanToStop(rest(`POST ${ART}/scan/stop`, auditor, `${sharedRepoPath()}/artifacts/1.0/scan/stop`, { ...sharedRepoParams(), reference: "1.0" })),
  },
  [`POST ${ART}/scan`]: {
    action: "artifact.scan",
    success: async () => ({ run: withWalkScanner(rest(`POST ${ART}/scan`, admin, `${sharedRepoPath()}/artifacts/1.0/scan`, { ...sharedRepoParams(), reference: "1.0" })) }),
    refused: async () => ({ run: rest(`POST ${ART}/scan`, auditor, `${sharedRepoPath()}/artifacts/1.0/scan`, { ...sharedRepoParams(), reference: "1.0" }) }),
  },
  [`POST ${ART}/tags`]: {
    action: "tag.create",
    success: async () => ({ run: rest(`POST ${ART}/tags`, admin, `${sharedRepoPath()}/artifacts/1.0/tags`, { ...sharedRepoParams(), reference: "1.0" }, { name: uniqueName("t") }) }),
    refused: async () => ({ run: rest(`POST ${ART}/tags`, auditor, `${sharedRepoPath()}/artifacts/1.0/tags`, { ...sharedRepoParams(), reference: "1.0" }, { name: uniqueName("t") }) }),
  },
  [`DELETE ${ART}/tags/{tag_name}`]: {
    action: "tag.delete",
    success: async () => {
      const c = await pushed(["1.0", "2.0"]);
      return {
        run: rest(`DELETE ${ART}/tags/{tag_name}`, admin, `/projects/${c.project.name}/repositories/app/artifacts/2.0/tags/2.0`, { project_name_or_id: c.project.name, repository_name: "app", reference: "2.0", tag_name: "2.0" }),
      };
    },
    refused: async () => ({ run: rest(`DELETE ${ART}/tags/{tag_name}`, auditor, `${sharedRepoPath()}/artifacts/2.0/tags/2.0`, { ...sharedRepoParams(), reference: "2.0", tag_name: "2.0" }) }),
  },
  // -- quotas: a limit that differs every time (an unchanged limit writes no row); unlimited afterwards is not needed (no case pushes into these projects) --
  "PUT /api/v2.0/quotas/{id}": {
    action: "quota.update",
    success: async () => {
      const project = await createProject();
      return { run: rest("PUT /api/v2.0/quotas/{id}", admin, `/quotas/${project.id}`, { id: String(project.id) }, { hard: { storage: 1_000_000 } }) };
    },
    refused: async () => ({ run: rest("PUT /api/v2.0/quotas/{id}", auditor, `/quotas/${shared.project.id}`, { id: String(shared.project.id) }, { hard: { storage: 1 } }) }),
  },
  [`${A.config}#updateProjectQuotaAction`]: {
    action: "quota.update",
    success: async () => ({ run: action(`${A.config}#updateProjectQuotaAction`, INITIAL, form({ projectId: (await createProject()).id, storageLimit: "10", storageUnit: "GiB" })) }),
    refused: async () => ({ run: action(`${A.config}#updateProjectQuotaAction`, INITIAL, form({ projectId: shared.project.id, storageLimit: "1", storageUnit: "MiB" })) }),
  },
  [`${A.settings}#updateDefaultStorageLimitAction`]: {
    action: "setting.update",
    // A new value every run (an unchanged one writes no row), in TiB: no later case's push comes near it.
    success: async () => ({ run: action(`${A.settings}#updateDefaultStorageLimitAction`, INITIAL, form({ storageLimit: String(100 + Math.floor(Math.random() * 1_000_000)), storageUnit: "TiB" })) }),
    refused: async () => ({ run: action(`${A.settings}#updateDefaultStorageLimitAction`, INITIAL, form({ storageLimit: "1", storageUnit: "TiB" })) }),
  },
  // -- REST: tag naming policy (Wharf's extension); ".*" keeps every later case's tags pushable --
  "PUT /api/v2.0/projects/{project_name_or_id}/tagnamingpolicy": {
    action: "tag_naming_policy.update",
    success: async () => ({ run: rest("PUT /api/v2.0/projects/{project_name_or_id}/tagnamingpolicy", admin, `/projects/${shared.project.name}/tagnamingpolicy`, { project_name_or_id: shared.project.name }, { pattern: ".*" }) }),
    refused: async () => ({ run: rest("PUT /api/v2.0/projects/{project_name_or_id}/tagnamingpolicy", auditor, `/projects/${shared.project.name}/tagnamingpolicy`, { project_name_or_id: shared.project.name }, { pattern: ".*" }) }),
  },
  "DELETE /api/v2.0/projects/{project_name_or_id}/tagnamingpolicy": {
    action: "tag_naming_policy.update",
    success: async () => ({ run: rest("DELETE /api/v2.0/projects/{project_name_or_id}/tagnamingpolicy", admin, `/projects/${shared.project.name}/tagnamingpolicy`, { project_name_or_id: shared.project.name }) }),
    refused: async () => ({ run: rest("DELETE /api/v2.0/projects/{project_name_or_id}/tagnamingpolicy", auditor, `/projects/${shared.project.name}/tagnamingpolicy`, { project_name_or_id: shared.project.name }) }),
  },
  // -- REST: tag immutability rules --
  "POST /api/v2.0/projects/{project_name_or_id}/immutabletagrules": {
    action: "immutable_rule.create",
    success: async () => ({ run: rest("POST /api/v2.0/projects/{project_name_or_id}/immutabletagrules", admin, `/projects/${shared.project.name}/immutabletagrules`, { project_name_or_id: shared.project.name }, immutableRuleBody()) }),
    refused: async () => ({ run: rest("POST /api/v2.0/projects/{project_name_or_id}/immutabletagrules", auditor, `/projects/${shared.project.name}/immutabletagrules`, { project_name_or_id: shared.project.name }, immutableRuleBody()) }),
  },
  "PUT /api/v2.0/projects/{project_name_or_id}/immutabletagrules/{immutable_rule_id}": {
    action: "immutable_rule.update",
    success: async () => {
      const id = await walkImmutableRule();
      return { run: rest("PUT /api/v2.0/projects/{project_name_or_id}/immutabletagrules/{immutable_rule_id}", admin, `/projects/${shared.project.name}/immutabletagrules/${id}`, { project_name_or_id: shared.project.name, immutable_rule_id: String(id) }, immutableRuleBody()) };
    },
    refused: async () => {
      const id = await walkImmutableRule();
      return { run: rest("PUT /api/v2.0/projects/{project_name_or_id}/immutabletagrules/{immutable_rule_id}", auditor, `/projects/${shared.project.name}/immutabletagrules/${id}`, { project_name_or_id: shared.project.name, immutable_rule_id: String(id) }, immutableRuleBody()) };
    },
  },
  "DELETE /api/v2.0/projects/{project_name_or_id}/immutabletagrules/{immutable_rule_id}": {
    action: "immutable_rule.delete",
    success: async () => {
      const id = await walkImmutableRule();
      return { run: rest("DELETE /api/v2.0/projects/{project_name_or_id}/immutabletagrules/{immutable_rule_id}", admin, `/projects/${shared.project.name}/immutabletagrules/${id}`, { project_name_or_id: shared.project.name, immutable_rule_id: String(id) }) };
    },
    refused: async () => {
      const id = await walkImmutableRule();
      return { run: rest("DELETE /api/v2.0/projects/{project_name_or_id}/immutabletagrules/{immutable_rule_id}", auditor, `/projects/${shared.project.name}/immutabletagrules/${id}`, { project_name_or_id: shared.project.name, immutable_rule_id: String(id) }) };
    },
  },
  // -- REST: robots --
  // -- project webhooks tab --
  [`${A.webhooks}#createWebhookAction`]: {
    action: "webhook_policy.create",
    success: async () => ({ run: action(`${A.webhooks}#createWebhookAction`, INITIAL, form({ projectId: shared.project.id, ...webhookForm(uniqueName("walk-hook")) })) }),
    refused: async () => ({ run: action(`${A.webhooks}#createWebhookAction`, INITIAL, form({ projectId: shared.project.id, ...webhookForm(uniqueName("walk-hook")) })) }),
  },
  [`${A.webhooks}#updateWebhookAction`]: {
    action: "webhook_policy.update",
    success: async () => ({ run: action(`${A.webhooks}#updateWebhookAction`, INITIAL, form({ projectId: shared.project.id, policyId: (await walkWebhook()).id, ...webhookForm(uniqueName("walk-hook")) })) }),
    refused: async () => ({ run: action(`${A.webhooks}#updateWebhookAction`, INITIAL, form({ projectId: shared.project.id, policyId: (await walkWebhook()).id, ...webhookForm(uniqueName("walk-hook")) })) }),
  },
  [`${A.webhooks}#setWebhookEnabledAction`]: {
    action: "webhook_policy.update",
    success: async () => ({ run: action(`${A.webhooks}#setWebhookEnabledAction`, INITIAL, form({ projectId: shared.project.id, policyId: (await walkWebhook()).id })) }),
    refused: async () => ({ run: action(`${A.webhooks}#setWebhookEnabledAction`, INITIAL, form({ projectId: shared.project.id, policyId: (await walkWebhook()).id })) }),
  },
  [`${A.webhooks}#deleteWebhookAction`]: {
    action: "webhook_policy.delete",
    success: async () => ({ run: action(`${A.webhooks}#deleteWebhookAction`, INITIAL, form({ projectId: shared.project.id, policyId: (await walkWebhook()).id })) }),
    refused: async () => ({ run: action(`${A.webhooks}#deleteWebhookAction`, INITIAL, form({ projectId: shared.project.id, policyId: (await walkWebhook()).id })) }),
  },
  [`${A.webhooks}#sendWebhookTestAction`]: {
    action: "webhook_policy.test",
    success: async () => ({ run: action(`${A.webhooks}#sendWebhookTestAction`, INITIAL, form({ projectId: shared.project.id, policyId: (await walkWebhook()).id })) }),
    refused: async () => ({ run: action(`${A.webhooks}#sendWebhookTestAction`, INITIAL, form({ projectId: shared.project.id, policyId: (await walkWebhook()).id })) }),
  },
  // -- labels: Administration → Labels (global), a project's Labels tab, the artifact page's picker --
  [`${A.labels}#createLabelAction`]: {
    action: "label.create",
    success: async () => ({ run: action(`${A.labels}#createLabelAction`, INITIAL, form(labelForm(uniqueName("walk-label")))) }),
    refused: async () => ({ run: action(`${A.labels}#createLabelAction`, INITIAL, form({ projectId: shared.project.id, ...labelForm(uniqueName("walk-label")) })) }),
  },
  [`${A.labels}#updateLabelAction`]: {
    action: "label.update",
    success: async () => ({ run: action(`${A.labels}#updateLabelAction`, INITIAL, form({ projectId: shared.project.id, labelId: (await walkLabel()).id, ...labelForm(uniqueName("walk-label")) })) }),
    refused: async () => ({ run: action(`${A.labels}#updateLabelAction`, INITIAL, form({ labelId: (await walkLabel({ global: true })).id, ...labelForm(uniqueName("walk-label")) })) }),
  },
  [`${A.labels}#deleteLabelAction`]: {
    action: "label.delete",
    success: async () => ({ run: action(`${A.labels}#deleteLabelAction`, INITIAL, form({ labelId: (await walkLabel({ global: true })).id })) }),
    refused: async () => ({ run: action(`${A.labels}#deleteLabelAction`, INITIAL, form({ projectId: shared.project.id, labelId: (await walkLabel()).id })) }),
  },
  [`${A.artifactLabels}#addArtifactLabelAction`]: {
    action: "artifact.label.add",
    success: async () => ({ run: action(`${A.artifactLabels}#addArtifactLabelAction`, INITIAL, form({ projectId: shared.project.id, repository: shared.repository, digest: shared.digest, labelId: (await walkLabel()).id })) }),
    refused: async () => ({ run: action(`${A.artifactLabels}#addArtifactLabelAction`, INITIAL, form({ projectId: shared.project.id, repository: shared.repository, digest: shared.digest, labelId: (await walkLabel()).id })) }),
  },
  [`${A.artifactLabels}#removeArtifactLabelAction`]: {
    action: "artifact.label.remove",
    success: async () => ({ run: action(`${A.artifactLabels}#removeArtifactLabelAction`, INITIAL, form({ projectId: shared.project.id, repository: shared.repository, digest: shared.digest, labelId: (await walkLabel({ attached: true })).id })) }),
    refused: async () => ({ run: action(`${A.artifactLabels}#removeArtifactLabelAction`, INITIAL, form({ projectId: shared.project.id, repository: shared.repository, digest: shared.digest, labelId: (await walkLabel({ attached: true })).id })) }),
  },
  "POST /api/v2.0/labels": {
    action: "label.create",
    success: async () => ({ run: rest("POST /api/v2.0/labels", admin, "/labels", {}, { name: uniqueName("walk-label"), color: "#000000", scope: "p", project_id: shared.project.id }) }),
    refused: async () => ({ run: rest("POST /api/v2.0/labels", auditor, "/labels", {}, { name: uniqueName("walk-label"), color: "#000000" }) }),
  },
  "PUT /api/v2.0/labels/{id}": {
    action: "label.update",
    success: async () => {
      const { id } = await walkLabel({ global: true });
      return { run: rest("PUT /api/v2.0/labels/{id}", admin, `/labels/${id}`, { id: String(id) }, { color: "#FFFFFF" }) };
    },
    refused: async () => {
      const { id } = await walkLabel();
      return { run: rest("PUT /api/v2.0/labels/{id}", auditor, `/labels/${id}`, { id: String(id) }, { color: "#FFFFFF" }) };
    },
  },
  "DELETE /api/v2.0/labels/{id}": {
    action: "label.delete",
    success: async () => {
      const { id } = await walkLabel({ attached: true });
      return { run: rest("DELETE /api/v2.0/labels/{id}", admin, `/labels/${id}`, { id: String(id) }) };
    },
    refused: async () => {
      const { id } = await walkLabel({ global: true });
      return { run: rest("DELETE /api/v2.0/labels/{id}", auditor, `/labels/${id}`, { id: String(id) }) };
    },
  },
  [`POST ${ART}/labels`]: {
    action: "artifact.label.add",
    success: async () => ({ run: rest(`POST ${ART}/labels`, admin, `${sharedRepoPath()}/artifacts/1.0/labels`, { ...sharedRepoParams(), reference: "1.0" }, { id: (await walkLabel({ global: true })).id }) }),
    refused: async () => ({ run: rest(`POST ${ART}/labels`, auditor, `${sharedRepoPath()}/artifacts/1.0/labels`, { ...sharedRepoParams(), reference: "1.0" }, { id: (await walkLabel()).id }) }),
  },
  [`DELETE ${ART}/labels/{label_id}`]: {
    action: "artifact.label.remove",
    success: async () => {
      const { id } = await walkLabel({ attached: true });
      return { run: rest(`DELETE ${ART}/labels/{label_id}`, admin, `${sharedRepoPath()}/artifacts/1.0/labels/${id}`, { ...sharedRepoParams(), reference: "1.0", label_id: String(id) }) };
    },
    refused: async () => {
      const { id } = await walkLabel({ attached: true });
      return { run: rest(`DELETE ${ART}/labels/{label_id}`, auditor, `${sharedRepoPath()}/artifacts/1.0/labels/${id}`, { ...sharedRepoParams(), reference: "1.0", label_id: String(id) }) };
    },
  },
  // -- REST: project webhooks --
  "POST /api/v2.0/projects/{project_name_or_id}/webhook/policies": {
    action: "webhook_policy.create",
    success: async () => ({ run: rest("POST /api/v2.0/projects/{project_name_or_id}/webhook/policies", admin, `/projects/${shared.project.name}/webhook/policies`, { project_name_or_id: shared.project.name }, harborWebhook(uniqueName("walk-hook"))) }),
    refused: async () => ({ run: rest("POST /api/v2.0/projects/{project_name_or_id}/webhook/policies", auditor, `/projects/${shared.project.name}/webhook/policies`, { project_name_or_id: shared.project.name }, harborWebhook(uniqueName("walk-hook"))) }),
  },
  "PUT /api/v2.0/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}": {
    action: "webhook_policy.update",
    success: async () => {
      const w = await walkWebhook();
      return { run: rest("PUT /api/v2.0/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}", admin, w.path, w.params, harborWebhook(uniqueName("walk-hook"))) };
    },
    refused: async () => {
      const w = await walkWebhook();
      return { run: rest("PUT /api/v2.0/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}", auditor, w.path, w.params, harborWebhook(uniqueName("walk-hook"))) };
    },
  },
  "DELETE /api/v2.0/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}": {
    action: "webhook_policy.delete",
    success: async () => {
      const w = await walkWebhook();
      return { run: rest("DELETE /api/v2.0/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}", admin, w.path, w.params) };
    },
    refused: async () => {
      const w = await walkWebhook();
      return { run: rest("DELETE /api/v2.0/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}", auditor, w.path, w.params) };
    },
  },
  "POST /api/v2.0/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}/test": {
    action: "webhook_policy.test",
    success: async () => {
      const w = await walkWebhook();
      return { run: rest("POST /api/v2.0/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}/test", admin, `${w.path}/test`, w.params) };
    },
    refused: async () => {
      const w = await walkWebhook();
      return { run: rest("POST /api/v2.0/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}/test", auditor, `${w.path}/test`, w.params) };
    },
  },
  "POST /api/v2.0/retentions": {
    action: "retention_policy.update",
    success: async () => ({ run: rest("POST /api/v2.0/retentions", admin, "/retentions", {}, harborRetention((await createProject()).id)) }),
    refused: async () => ({ run: rest("POST /api/v2.0/retentions", auditor, "/retentions", {}, harborRetention(shared.project.id)) }),
  },
  "PUT /api/v2.0/retentions/{id}": {
    action: "retention_policy.update",
    success: async () => {
      const { project, id } = await retentionPolicy();
      return { run: rest("PUT /api/v2.0/retentions/{id}", admin, `/retentions/${id}`, { id }, harborRetention(project.id)) };
    },
    refused: async () => {
      const { project, id } = await retentionPolicy();
      return { run: rest("PUT /api/v2.0/retentions/{id}", auditor, `/retentions/${id}`, { id }, harborRetention(project.id)) };
    },
  },
  "PUT /api/v2.0/retentions/system-default": {
    action: "retention_policy.default_update",
    success: async () => ({ run: rest("PUT /api/v2.0/retentions/system-default", admin, "/retentions/system-default", {}, harborSystemDefault) }),
    refused: async () => ({ run: rest("PUT /api/v2.0/retentions/system-default", auditor, "/retentions/system-default", {}, harborSystemDefault) }),
  },
  "DELETE /api/v2.0/retentions/{id}": {
    action: "retention_policy.delete",
    success: async () => {
      const { id } = await retentionPolicy();
      return { run: rest("DELETE /api/v2.0/retentions/{id}", admin, `/retentions/${id}`, { id }) };
    },
    refused: async () => {
      const { id } = await retentionPolicy();
      return { run: rest("DELETE /api/v2.0/retentions/{id}", auditor, `/retentions/${id}`, { id }) };
    },
  },
  "POST /api/v2.0/retentions/{id}/executions": {
    action: "retention_execution.start",
    success: async () => {
      const { id } = await retentionPolicy();
      return { run: rest("POST /api/v2.0/retentions/{id}/executions", admin, `/retentions/${id}/executions`, { id }, { dry_run: true }) };
    },
    refused: async () => {
      const { id } = await retentionPolicy();
      return { run: rest("POST /api/v2.0/retentions/{id}/executions", auditor, `/retentions/${id}/executions`, { id }, { dry_run: true }) };
    },
  },
  "PATCH /api/v2.0/retentions/{id}/executions/{eid}": {
    action: "retention_execution.stop",
    success: async () => {
      const { project, id } = await retentionPolicy();
      const { executionId } = await startRetentionRun({ actor: actorFor(admin), projectId: project.id, dryRun: true });
      const eid = String(executionId);
      return { run: rest("PATCH /api/v2.0/retentions/{id}/executions/{eid}", admin, `/retentions/${id}/executions/${eid}`, { id, eid }, { action: "stop" }) };
    },
    refused: async () => {
      const { project, id } = await retentionPolicy();
      const { executionId } = await startRetentionRun({ actor: actorFor(admin), projectId: project.id, dryRun: true });
      const eid = String(executionId);
      return { run: rest("PATCH /api/v2.0/retentions/{id}/executions/{eid}", auditor, `/retentions/${id}/executions/${eid}`, { id, eid }, { action: "stop" }) };
    },
  },
  "POST /api/v2.0/robots": {
    action: "robot.create",
    success: async () => ({ run: rest("POST /api/v2.0/robots", admin, "/robots", {}, robotBody(shared.project.name)) }),
    refused: async () => ({ run: rest("POST /api/v2.0/robots", auditor, "/robots", {}, robotBody(shared.project.name)) }),
  },
  "PATCH /api/v2.0/robots/{robot_id}": {
    action: "robot.refresh_secret",
    success: async () => {
      const robot = await createRobot(shared.project, ["repository:pull"]);
      return { run: rest("PATCH /api/v2.0/robots/{robot_id}", admin, `/robots/${robot.id}`, { robot_id: String(robot.id) }, {}) };
    },
    refused: async () => ({ run: rest("PATCH /api/v2.0/robots/{robot_id}", auditor, `/robots/${shared.robotId}`, { robot_id: String(shared.robotId) }, {}) }),
  },
  "PUT /api/v2.0/robots/{robot_id}": {
    action: "robot.disable",
    success: async () => {
      const robot = await createRobot(shared.project, ["repository:pull"]);
      return { run: rest("PUT /api/v2.0/robots/{robot_id}", admin, `/robots/${robot.id}`, { robot_id: String(robot.id) }, { disable: true }) };
    },
    refused: async () => ({ run: rest("PUT /api/v2.0/robots/{robot_id}", auditor, `/robots/${shared.robotId}`, { robot_id: String(shared.robotId) }, { disable: true }) }),
  },
  "DELETE /api/v2.0/robots/{robot_id}": {
    action: "robot.delete",
    success: async () => {
      const robot = await createRobot(shared.project, ["repository:pull"]);
      return { run: rest("DELETE /api/v2.0/robots/{robot_id}", admin, `/robots/${robot.id}`, { robot_id: String(robot.id) }) };
    },
    refused: async () => ({ run: rest("DELETE /api/v2.0/robots/{robot_id}", auditor, `/robots/${shared.robotId}`, { robot_id: String(shared.robotId) }) }),
  },
  // -- REST: users --
  "POST /api/v2.0/users": {
    action: "user.create",
    success: async () => {
      const username = uniqueName("walk");
      return { run: rest("POST /api/v2.0/users", admin, "/users", {}, { username, email: `${username}@example.test`, realname: "Walk", password: NEW_PASSWORD }) };
    },
    refused: async () => {
      const username = uniqueName("walk");
      return { run: rest("POST /api/v2.0/users", auditor, "/users", {}, { username, email: `${username}@example.test`, realname: "Walk", password: NEW_PASSWORD }) };
    },
  },
  "PUT /api/v2.0/users/{user_id}/sysadmin": {
    action: "user.grant_admin",
    success: async () => {
      const u = await createTestUser();
      return { run: rest("PUT /api/v2.0/users/{user_id}/sysadmin", admin, `/users/${u.id}/sysadmin`, { user_id: String(u.id) }, { sysadmin_flag: true }) };
    },
    refused: async () => ({ run: rest("PUT /api/v2.0/users/{user_id}/sysadmin", auditor, `/users/${auditor.id}/sysadmin`, { user_id: String(auditor.id) }, { sysadmin_flag: true }) }),
  },
  "PUT /api/v2.0/users/{user_id}/system-role": {
    action: "user.set_system_role",
    success: async () => {
      const u = await createTestUser();
      return { run: rest("PUT /api/v2.0/users/{user_id}/system-role", admin, `/users/${u.id}/system-role`, { user_id: String(u.id) }, { role: "auditor" }) };
    },
    refused: async () => {
      const u = await createTestUser();
      return { run: rest("PUT /api/v2.0/users/{user_id}/system-role", auditor, `/users/${u.id}/system-role`, { user_id: String(u.id) }, { role: "admin" }) };
    },
  },

  "PUT /api/v2.0/system/CVEAllowlist": {
    action: "cve_allowlist.update",
    success: async () => ({ run: rest("PUT /api/v2.0/system/CVEAllowlist", admin, "/system/CVEAllowlist", {}, { items: [] }) }),
    refused: async () => ({ run: rest("PUT /api/v2.0/system/CVEAllowlist", auditor, "/system/CVEAllowlist", {}, { items: [{ cve_id: "CVE-2024-1234" }] }) }),
  },
  "PUT /api/v2.0/system/ip-allowlist": {
    action: "ip_allowlist.update",
    success: async () => ({ run: rest("PUT /api/v2.0/system/ip-allowlist", admin, "/system/ip-allowlist", {}, { entries: [] }) }),
    refused: async () => ({ run: rest("PUT /api/v2.0/system/ip-allowlist", auditor, "/system/ip-allowlist", {}, { entries: ["10.0.0.0/8"] }) }),
  },
  "PUT /api/v2.0/system/purgeaudit/schedule": {
    action: "audit_log.purge_policy.update",
    success: async () => ({ run: rest("PUT /api/v2.0/system/purgeaudit/schedule", admin, "/system/purgeaudit/schedule", {}, { schedule: { type: "None" }, parameters: { audit_retention_hour: 87600 } }) }),
    refused: async () => ({ run: rest("PUT /api/v2.0/system/purgeaudit/schedule", auditor, "/system/purgeaudit/schedule", {}, { schedule: { type: "Hourly" }, parameters: { audit_retention_hour: 24 } }) }),
  },

  // -- server actions: registry endpoints (admin) --
  [`${A.registries}#createRegistryAction`]: {
    action: "registry_endpoint.create",
    success: async () => ({ run: action(`${A.registries}#createRegistryAction`, INITIAL, form(registryForm())) }),
    refused: async () => ({ run: action(`${A.registries}#createRegistryAction`, INITIAL, form(registryForm())) }),
  },
  [`${A.registries}#updateRegistryAction`]: {
    action: "registry_endpoint.update",
    success: async () => ({ run: action(`${A.registries}#updateRegistryAction`, INITIAL, form({ ...registryForm(), registryId: await newRegistry(), secret: "" })) }),
    refused: async () => ({ run: action(`${A.registries}#updateRegistryAction`, INITIAL, form({ ...registryForm(), registryId: await newRegistry(), secret: "" })) }),
  },
  [`${A.registries}#deleteRegistryAction`]: {
    action: "registry_endpoint.delete",
    success: async () => ({ run: action(`${A.registries}#deleteRegistryAction`, INITIAL, form({ registryId: await newRegistry() })) }),
    refused: async () => ({ run: action(`${A.registries}#deleteRegistryAction`, INITIAL, form({ registryId: await newRegistry() })) }),
  },
  [`${A.registries}#testRegistrySettingsAction`]: {
    action: "registry_endpoint.ping",
    success: async () => ({ run: action(`${A.registries}#testRegistrySettingsAction`, INITIAL, form(registryForm())) }),
    refused: async () => ({ run: action(`${A.registries}#testRegistrySettingsAction`, INITIAL, form(registryForm())) }),
  },
  [`${A.registries}#testStoredRegistryAction`]: {
    action: "registry_endpoint.ping",
    success: async () => ({ run: action(`${A.registries}#testStoredRegistryAction`, INITIAL, form({ registryId: await newRegistry() })) }),
    refused: async () => ({ run: action(`${A.registries}#testStoredRegistryAction`, INITIAL, form({ registryId: await newRegistry() })) }),
  },
  // -- server actions: replication policies and executions (admin) --
  [`${A.replications}#createReplicationPolicyAction`]: {
    action: "replication_policy.create",
    success: async () => ({ run: action(`${A.replications}#createReplicationPolicyAction`, INITIAL, form({ policy: JSON.stringify(await replicationPolicyBody()) })) }),
    refused: async () => ({ run: action(`${A.replications}#createReplicationPolicyAction`, INITIAL, form({ policy: JSON.stringify(await replicationPolicyBody()) })) }),
  },
  [`${A.replications}#updateReplicationPolicyAction`]: {
    action: "replication_policy.update",
    success: async () => ({ run: action(`${A.replications}#updateReplicationPolicyAction`, INITIAL, form({ policyId: await newReplicationPolicy(), policy: JSON.stringify(await replicationPolicyBody()) })) }),
    refused: async () => ({ run: action(`${A.replications}#updateReplicationPolicyAction`, INITIAL, form({ policyId: await newReplicationPolicy(), policy: JSON.stringify(await replicationPolicyBody()) })) }),
  },
  [`${A.replications}#deleteReplicationPolicyAction`]: {
    action: "replication_policy.delete",
    success: async () => ({ run: action(`${A.replications}#deleteReplicationPolicyAction`, INITIAL, form({ policyId: await newReplicationPolicy() })) }),
    refused: async () => ({ run: action(`${A.replications}#deleteReplicationPolicyAction`, INITIAL, form({ policyId: await newReplicationPolicy() })) }),
  },
  [`${A.replications}#startReplicationAction`]: {
    action: "replication_execution.start",
    // Queued only (no worker here); afterAll ends the run.
    success: async () => ({ run: action(`${A.replications}#startReplicationAction`, INITIAL, form({ policyId: await newReplicationPolicy() })) }),
    refused: async () => ({ run: action(`${A.replications}#startReplicationAction`, INITIAL, form({ policyId: await newReplicationPolicy() })) }),
  },
  [`${A.replications}#stopReplicationAction`]: {
    action: "replication_execution.stop",
    success: async () => ({ run: action(`${A.replications}#stopReplicationAction`, INITIAL, form({ executionId: await replicationExecution("InProgress") })) }),
    refused: async () => ({ run: action(`${A.replications}#stopReplicationAction`, INITIAL, form({ executionId: await replicationExecution("InProgress") })) }),
  },
  [`${A.replications}#retryReplicationAction`]: {
    action: "replication_execution.retry",
    success: async () => ({ run: action(`${A.replications}#retryReplicationAction`, INITIAL, form({ executionId: await replicationExecution("Failed") })) }),
    refused: async () => ({ run: action(`${A.replications}#retryReplicationAction`, INITIAL, form({ executionId: await replicationExecution("Failed") })) }),
  },
  // -- REST: registry endpoints (the backing registry stands in for a remote one) --
  "POST /api/v2.0/registries": {
    action: "registry_endpoint.create",
    success: async () => ({ run: rest("POST /api/v2.0/registries", admin, "/registries", {}, registryBody()) }),
    refused: async () => ({ run: rest("POST /api/v2.0/registries", auditor, "/registries", {}, registryBody()) }),
  },
  "PUT /api/v2.0/registries/{id}": {
    action: "registry_endpoint.update",
    success: async () => {
      const id = await newRegistry();
      return { run: rest("PUT /api/v2.0/registries/{id}", admin, `/registries/${id}`, { id: String(id) }, { description: "walk" }) };
    },
    refused: async () => {
      const id = await newRegistry();
      return { run: rest("PUT /api/v2.0/registries/{id}", auditor, `/registries/${id}`, { id: String(id) }, { description: "walk" }) };
    },
  },
  "DELETE /api/v2.0/registries/{id}": {
    action: "registry_endpoint.delete",
    success: async () => {
      const id = await newRegistry();
      return { run: rest("DELETE /api/v2.0/registries/{id}", admin, `/registries/${id}`, { id: String(id) }) };
    },
    refused: async () => {
      const id = await newRegistry();
      return { run: rest("DELETE /api/v2.0/registries/{id}", auditor, `/registries/${id}`, { id: String(id) }) };
    },
  },
  "POST /api/v2.0/registries/ping": {
    action: "registry_endpoint.ping",
    success: async () => ({ run: rest("POST /api/v2.0/registries/ping", admin, "/registries/ping", {}, { id: await newRegistry() }) }),
    refused: async () => ({ run: rest("POST /api/v2.0/registries/ping", auditor, "/registries/ping", {}, { id: await newRegistry() }) }),
  },

  // -- server actions: scanner registrations (admin) and a project's scanner --
  [`${SCANNER_ACTIONS}#createScannerAction`]: {
    action: "scanner.create",
    success: async () => ({ run: action(`${SCANNER_ACTIONS}#createScannerAction`, INITIAL, form(scannerForm())) }),
    refused: async () => ({ run: action(`${SCANNER_ACTIONS}#createScannerAction`, INITIAL, form(scannerForm())) }),
  },
  [`${SCANNER_ACTIONS}#updateScannerAction`]: {
    action: "scanner.update",
    success: async () => ({ run: action(`${SCANNER_ACTIONS}#updateScannerAction`, INITIAL, form({ ...scannerForm(), scannerId: (await newScanner()).id, accessCredential: "" })) }),
    refused: async () => ({ run: action(`${SCANNER_ACTIONS}#updateScannerAction`, INITIAL, form({ ...scannerForm(), scannerId: (await newScanner()).id, accessCredential: "" })) }),
  },
  [`${SCANNER_ACTIONS}#deleteScannerAction`]: {
    action: "scanner.delete",
    success: async () => ({ run: action(`${SCANNER_ACTIONS}#deleteScannerAction`, INITIAL, form({ scannerId: (await newScanner()).id })) }),
    refused: async () => ({ run: action(`${SCANNER_ACTIONS}#deleteScannerAction`, INITIAL, form({ scannerId: (await newScanner()).id })) }),
  },
  [`${SCANNER_ACTIONS}#setDefaultScannerAction`]: {
    action: "scanner.set_default",
    success: async () => ({ run: keepingDefault(action(`${SCANNER_ACTIONS}#setDefaultScannerAction`, INITIAL, form({ scannerId: (await newScanner()).id }))) }),
    refused: async () => ({ run: keepingDefault(action(`${SCANNER_ACTIONS}#setDefaultScannerAction`, INITIAL, form({ scannerId: (await newScanner()).id }))) }),
  },
  [`${SCANNER_ACTIONS}#setScannerDisabledAction`]: {
    action: "scanner.update",
    success: async () => ({ run: action(`${SCANNER_ACTIONS}#setScannerDisabledAction`, INITIAL, form({ scannerId: (await newScanner()).id, disabled: "true" })) }),
    refused: async () => ({ run: action(`${SCANNER_ACTIONS}#setScannerDisabledAction`, INITIAL, form({ scannerId: (await newScanner()).id, disabled: "true" })) }),
  },
  [`${SCANNER_ACTIONS}#testScannerSettingsAction`]: {
    action: "scanner.ping",
    success: async () => ({ run: action(`${SCANNER_ACTIONS}#testScannerSettingsAction`, INITIAL, form(scannerForm())) }),
    refused: async () => ({ run: action(`${SCANNER_ACTIONS}#testScannerSettingsAction`, INITIAL, form(scannerForm())) }),
  },
  [`${SCANNER_ACTIONS}#testStoredScannerAction`]: {
    action: "scanner.ping",
    success: async () => ({ run: action(`${SCANNER_ACTIONS}#testStoredScannerAction`, INITIAL, form({ scannerId: (await newScanner()).id })) }),
    refused: async () => ({ run: action(`${SCANNER_ACTIONS}#testStoredScannerAction`, INITIAL, form({ scannerId: (await newScanner()).id })) }),
  },
  [`${PROJECT_SCANNER_ACTIONS}#chooseProjectScannerAction`]: {
    action: "project_scanner.update",
    success: async () => ({ run: action(`${PROJECT_SCANNER_ACTIONS}#chooseProjectScannerAction`, INITIAL, form({ projectId: (await createProject()).id, scannerId: (await newScanner()).id })) }),
    refused: async () => ({ run: action(`${PROJECT_SCANNER_ACTIONS}#chooseProjectScannerAction`, INITIAL, form({ projectId: (await createProject()).id, scannerId: (await newScanner()).id })) }),
  },
  // -- REST: scanner registrations --
  "POST /api/v2.0/scanners": {
    action: "scanner.create",
    success: async () => ({ run: rest("POST /api/v2.0/scanners", admin, "/scanners", {}, scannerBody()) }),
    refused: async () => ({ run: rest("POST /api/v2.0/scanners", auditor, "/scanners", {}, scannerBody()) }),
  },
  "PUT /api/v2.0/scanners/{registration_id}": {
    action: "scanner.update",
    success: async () => {
      const { uuid } = await newScanner();
      return { run: rest("PUT /api/v2.0/scanners/{registration_id}", admin, `/scanners/${uuid}`, { registration_id: uuid }, { description: "walk" }) };
    },
    refused: async () => {
      const { uuid } = await newScanner();
      return { run: rest("PUT /api/v2.0/scanners/{registration_id}", auditor, `/scanners/${uuid}`, { registration_id: uuid }, { description: "walk" }) };
    },
  },
  "PATCH /api/v2.0/scanners/{registration_id}": {
    action: "scanner.set_default",
    success: async () => {
      const { uuid } = await newScanner();
      return { run: keepingDefault(rest("PATCH /api/v2.0/scanners/{registration_id}", admin, `/scanners/${uuid}`, { registration_id: uuid }, { is_default: true })) };
    },
    refused: async () => {
      const { uuid } = await newScanner();
      return { run: keepingDefault(rest("PATCH /api/v2.0/scanners/{registration_id}", auditor, `/scanners/${uuid}`, { registration_id: uuid }, { is_default: true })) };
    },
  },
  "DELETE /api/v2.0/scanners/{registration_id}": {
    action: "scanner.delete",
    success: async () => {
      const { uuid } = await newScanner();
      return { run: rest("DELETE /api/v2.0/scanners/{registration_id}", admin, `/scanners/${uuid}`, { registration_id: uuid }) };
    },
    refused: async () => {
      const { uuid } = await newScanner();
      return { run: rest("DELETE /api/v2.0/scanners/{registration_id}", auditor, `/scanners/${uuid}`, { registration_id: uuid }) };
    },
  },
  "POST /api/v2.0/scanners/ping": {
    action: "scanner.ping",
    success: async () => ({ run: rest("POST /api/v2.0/scanners/ping", admin, "/scanners/ping", {}, scannerBody()) }),
    refused: async () => ({ run: rest("POST /api/v2.0/scanners/ping", auditor, "/scanners/ping", {}, scannerBody()) }),
  },
  [`PUT ${P}/scanner`]: {
    action: "project_scanner.update",
    success: async () => {
      const project = await createProject();
      const { uuid } = await newScanner();
      return { run: rest(`PUT ${P}/scanner`, admin, `/projects/${project.name}/scanner`, { project_name_or_id: project.name }, { uuid }) };
    },
    refused: async () => {
      const project = await createProject();
      const { uuid } = await newScanner();
      return { run: rest(`PUT ${P}/scanner`, auditor, `/projects/${project.name}/scanner`, { project_name_or_id: project.name }, { uuid }) };
    },
  },

  // -- REST: replication --
  "POST /api/v2.0/replication/policies": {
    action: "replication_policy.create",
    success: async () => ({ run: rest("POST /api/v2.0/replication/policies", admin, "/replication/policies", {}, await harborReplicationPolicy()) }),
    refused: async () => ({ run: rest("POST /api/v2.0/replication/policies", auditor, "/replication/policies", {}, await harborReplicationPolicy()) }),
  },
  "PUT /api/v2.0/replication/policies/{id}": {
    action: "replication_policy.update",
    success: async () => {
      const id = String(await newReplicationPolicy());
      return { run: rest("PUT /api/v2.0/replication/policies/{id}", admin, `/replication/policies/${id}`, { id }, await harborReplicationPolicy()) };
    },
    refused: async () => {
      const id = String(await newReplicationPolicy());
      return { run: rest("PUT /api/v2.0/replication/policies/{id}", auditor, `/replication/policies/${id}`, { id }, await harborReplicationPolicy()) };
    },
  },
  "DELETE /api/v2.0/replication/policies/{id}": {
    action: "replication_policy.delete",
    success: async () => {
      const id = String(await newReplicationPolicy());
      return { run: rest("DELETE /api/v2.0/replication/policies/{id}", admin, `/replication/policies/${id}`, { id }) };
    },
    refused: async () => {
      const id = String(await newReplicationPolicy());
      return { run: rest("DELETE /api/v2.0/replication/policies/{id}", auditor, `/replication/policies/${id}`, { id }) };
    },
  },
  "POST /api/v2.0/replication/executions": {
    action: "replication_execution.start",
    success: async () => ({ run: rest("POST /api/v2.0/replication/executions", admin, "/replication/executions", {}, { policy_id: await newReplicationPolicy() }) }),
    refused: async () => ({ run: rest("POST /api/v2.0/replication/executions", auditor, "/replication/executions", {}, { policy_id: await newReplicationPolicy() }) }),
  },
  "PUT /api/v2.0/replication/executions/{id}": {
    action: "replication_execution.stop",
    success: async () => {
      const id = String(await replicationExecution("InProgress"));
      return { run: rest("PUT /api/v2.0/replication/executions/{id}", admin, `/replication/executions/${id}`, { id }) };
    },
    refused: async () => {
      const id = String(await replicationExecution("InProgress"));
      return { run: rest("PUT /api/v2.0/replication/executions/{id}", auditor, `/replication/executions/${id}`, { id }) };
    },
  },
  "POST /api/v2.0/replication/executions/{id}/retry": {
    action: "replication_execution.retry",
    success: async () => {
      const id = String(await replicationExecution("Failed"));
      return { run: rest("POST /api/v2.0/replication/executions/{id}/retry", admin, `/replication/executions/${id}/retry`, { id }) };
    },
    refused: async () => {
      const id = String(await replicationExecution("Failed"));
      return { run: rest("POST /api/v2.0/replication/executions/{id}/retry", auditor, `/replication/executions/${id}/retry`, { id }) };
    },
  },

  // -- REST: authentication settings (Harbor's /configurations and /ldap) --
  "PUT /api/v2.0/configurations": {
    action: "setting.update",
    // From another mode (set behind the services, no row) back to db_auth; every sign-in setting is put back afterwards.
    success: async () => {
      await db.systemSetting.upsert({ where: { key: "auth_mode" }, create: { key: "auth_mode", value: "oidc_auth" }, update: { value: "oidc_auth" } });
      return { run: withAuthSettingsRestored(rest("PUT /api/v2.0/configurations", admin, "/configurations", {}, { auth_mode: "db_auth" })) };
    },
    refused: async () => ({ run: withAuthSettingsRestored(rest("PUT /api/v2.0/configurations", auditor, "/configurations", {}, { auth_mode: "ldap_auth" })) }),
  },
  // These need a running directory (slapd): lib/api/configurations-api.test.ts asserts them against one.
  "POST /api/v2.0/ldap/ping": { coveredElsewhere: "lib/api/configurations-api.test.ts: a ping changes nothing and writes no row; an auditor's refusal writes one ldap.ping failure row" },
  "POST /api/v2.0/ldap/users/import": { coveredElsewhere: "lib/api/configurations-api.test.ts: one user.create row per created user; an auditor's refusal writes one user.create failure row" },

  // -- routes that change nothing --
  ...Object.fromEntries(
    MUTATING.map((m) => [
      `${m} /api/v2.0/{...path}`,
      { noMutation: () => rest(`${m} /api/v2.0/{...path}`, admin, "/no/such/endpoint", { path: ["no", "such", "endpoint"] } as never, m === "DELETE" ? undefined : {}) },
    ]),
  ),
  // next-auth's own endpoint: sign-in and sign-out are one row each, asserted in
  // lib/services/auth/sign-in.test.ts (sign-in) and below (sign-out).
  "POST /api/auth/{...nextauth}": { coveredElsewhere: "sign-in: lib/services/auth/sign-in.test.ts; sign-out: this file" },
};

/** One row whose detail holds `text`, written the way services write theirs. */
async function writeCanaryRow(text: string) {
  await db.$transaction((tx) => recordAuditEvent(tx, { actor: actorFor(admin), action: "walk.canary" as AuditAction, resource: { type: "walk" }, detail: { note: text } }));
}

// ---- the tests ---------------------------------------------------------------------------------

describe("the audit walk", () => {
  it("finds the server actions and REST routes (the enumeration itself works)", () => {
    expect(actionFiles.length).toBeGreaterThanOrEqual(9);
    expect([...callables.keys()].filter((k) => k.includes("#")).length).toBeGreaterThanOrEqual(25);
    expect([...callables.keys()].filter((k) => k.startsWith("DELETE ")).length).toBeGreaterThanOrEqual(6);
  });

  it("finds no inline server actions (they belong in an actions file, where this walk sees them)", () => {
    expect(inlineActionFiles.map(rel)).toEqual([]);
  });

  it("has a case for every server action and REST mutation, and none for things that no longer exist", () => {
    const found = [...callables.keys()].sort();
    const missing = found.filter((k) => !(k in CASES));
    const stale = Object.keys(CASES).filter((k) => !callables.has(k));
    expect({ missing, stale }).toEqual({ missing: [], stale: [] });
  });

  it("every handler in lib/api/routes is served by a route file (so the walk above sees it)", () => {
    // Handlers are what withApi returns (all share its source text); other exports are helpers.
    const handlerSource = withApi(async () => new Response(null)).toString();
    const handlers = libRouteExports.filter((e) => typeof e.fn === "function" && e.fn.toString() === handlerSource);
    expect(handlers.length).toBeGreaterThanOrEqual(20);
    expect(handlers.filter((e) => !routeExports.has(e.fn)).map((e) => e.key)).toEqual([]);
  });

  const mutations = Object.entries(CASES).filter((e): e is [string, Extract<Case, { refused: unknown }>] => "refused" in e[1]);
  const preferences = Object.entries(CASES).filter((e): e is [string, Extract<Case, { ownPreference: true }>] => "ownPreference" in e[1]);

  describe.each(preferences)("%s", (_key, c) => {
    it(`succeeds with exactly one "${c.action}" row, for an auditor too (their own preference)`, async () => {
      for (const user of [undefined, auditor]) {
        const { as, run } = await c.success();
        const { outcome, rows } = await measure(user ?? as ?? admin, run);
        expect(outcome.ok, outcome.detail).toBe(true);
        expect(rows.map((r) => [r.action, r.result])).toEqual([[c.action, "success"]]);
      }
    });
  });

  describe.each(mutations)("%s", (_key, c) => {
    it(`succeeds with exactly one "${c.action}" row`, async () => {
      const { as, run } = await c.success();
      const { outcome, rows } = await measure(as ?? admin, run);
      expect(outcome.ok, outcome.detail).toBe(true);
      expect(rows.map((r) => [r.action, r.result])).toEqual([[c.action, "success"]]);
    });

    it(`refuses an auditor with exactly one "${c.action}" failure row (the success row's operation) and its reason`, async () => {
      const { as, run } = await c.refused();
      const { outcome, rows } = await measure(as ?? auditor, run);
      expect(outcome.ok, outcome.detail).toBe(false);
      // REST answers a refusal with 403 (not a 400 or 404 that would hide a missing check).
      if (outcome.detail.startsWith("HTTP ")) expect(outcome.detail).toBe("HTTP 403");
      expect(rows).toHaveLength(1);
      // The same operation as the success row, so one operation filter finds both.
      expect(rows[0]).toMatchObject({ action: c.action, result: "failure", actorName: (as ?? auditor).username });
      expect(rows[0]!.reason ?? "").not.toBe("");
    });
  });

  const reads = Object.entries(CASES).filter((e): e is [string, Extract<Case, { read: unknown }>] => "read" in e[1]);
  it.each(reads)("%s only reads: it answers an auditor and writes no row", async (_key, c) => {
    const since = await lastAuditId();
    state.actor = actorFor(auditor);
    try {
      await c.read()();
    } finally {
      state.actor = undefined;
    }
    expect(await db.auditEvent.count({ where: { id: { gt: since } } })).toBe(0);
  });

  const noops = Object.entries(CASES).filter((e): e is [string, Extract<Case, { noMutation: unknown }>] => "noMutation" in e[1]);
  it.each(noops)("%s changes nothing: 404 and no row", async (_key, c) => {
    const { outcome, rows } = await measure(admin, c.noMutation());
    expect(outcome.detail).toBe("HTTP 404");
    expect(rows).toEqual([]);
  });

  it("a sign-out writes exactly one row", async () => {
    const user = await createTestUser();
    const since = await lastAuditId();
    await endSession({ userId: user.id, sessionId: await db.$transaction((tx) => startSession(tx, user.id)), client: { ip: "192.0.2.1", userAgent: "walk" } });
    const rows = await db.auditEvent.findMany({ where: { id: { gt: since } } });
    expect(rows.map((r) => [r.action, r.resourceName])).toEqual([["session.sign_out", user.username]]);
  });

  it("gateway: a manifest push, a pull (GET) and a delete write exactly one row each; a HEAD writes none", async () => {
    const project = await createProject();
    const repository = `${project.name}/gw`;
    const token = await h.tokenFor(admin.username, repository);
    secrets.add(token);
    const image = await h.pushImage(token, repository, []);
    const one = async (fn: () => Promise<Response>) => {
      const since = await lastAuditId();
      const res = await fn();
      await res.arrayBuffer();
      await flushReadAuditEvents(); // a pull's row is queued, written after the answer
      return { status: res.status, rows: (await db.auditEvent.findMany({ where: { id: { gt: since } } })).map((r) => [r.action, r.result]) };
    };
    const accept = { accept: "application/vnd.oci.image.manifest.v1+json" };
    expect(await one(() => h.putManifest(token, repository, "1.0", image.bytes, accept.accept))).toEqual({ status: 201, rows: [["artifact.push", "success"]] });
    expect(await one(() => h.call(`/v2/${repository}/manifests/1.0`, { token, headers: accept }))).toEqual({ status: 200, rows: [["artifact.pull", "success"]] });
    expect(await one(() => h.call(`/v2/${repository}/manifests/1.0`, { method: "HEAD", token, headers: accept }))).toEqual({ status: 200, rows: [] });
    expect(await one(() => h.call(`/v2/${repository}/manifests/${image.image.manifestDigest}`, { method: "DELETE", token }))).toEqual({
      status: 202,
      rows: [["artifact.delete", "success"]],
    });
  });

  // Last in the file: by now every case above has run.
  it("no audit row anywhere holds a password, robot secret, token or credential the walk used", async () => {
    expect(secrets.size).toBeGreaterThan(5);
    // The search itself finds text inside a row's JSON detail (a canary that is not a secret).
    const canary = uniqueName("canary");
    await writeCanaryRow(canary);
    const [found] = await db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM audit_events a WHERE strpos(a::text, ${canary}) > 0`;
    expect(found?.n).toBe(1);
    const leaks: string[] = [];
    for (const secret of secrets) {
      const [row] = await db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM audit_events a WHERE strpos(a::text, ${secret}) > 0`;
      const n = row?.n ?? 0;
      if (n > 0) leaks.push(`${secret.slice(0, 6)}… in ${n} row(s)`);
    }
    expect(leaks).toEqual([]);
  });
});


