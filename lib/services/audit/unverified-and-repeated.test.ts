import { describe, expect, it, vi } from "vitest";

// As in gateway.test.ts: the registry port and external URL are read once by getServerEnv().
const REGISTRY_PORT = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryPort("audit-unverified-tests-secret-key-0123456789")));

import { toHarborAuditLog } from "@/lib/api/routes/audit-logs";
import { anonymousActor, systemActor } from "@/lib/auth/actor";
import { handleRegistryRequest } from "@/lib/gateway/gateway";
import { SignInLockedError, UnauthenticatedError } from "@/lib/errors";
import type { AuditAction } from "@/lib/services/audit/audit-actions";
import { exportAuditEvents } from "@/lib/services/audit/export-audit-events";
import { FORWARDING_STATE_KEY, forwardAuditEventsOnce, newGapTracker } from "@/lib/services/audit/forward-audit-events";
import { listAuditEvents } from "@/lib/services/audit/list-audit-events";
import { recordAuditEvent, recordRefusal } from "@/lib/services/audit/record-audit-event";
import { SIGN_IN_MAX_FAILURES, signInWithPassword } from "@/lib/services/auth/sign-in";
import { verifyRegistryCredentials } from "@/lib/services/auth/verify-registry-credentials";
import { REGISTRY_SERVICE } from "@/lib/services/registry-auth/constants";
import { issueRegistryToken } from "@/lib/services/registry-auth/issue-token";
import { basic, createMember, createProject } from "@/lib/services/registry-auth/test-fixtures";
import { actorFor, createTestUser, db, TEST_PASSWORD, uniqueName } from "@/lib/testing/factories";
import { gatewayHarness } from "@/lib/testing/gateway-harness";

const EXTERNAL = "http://wharf.test:3000";
const h = gatewayHarness({ registryPort: REGISTRY_PORT, external: EXTERNAL, name: "audit-unverified" });

/** A client of its own per test, so the per-client sign-in throttle of one test never touches another's. */
let clientN = 0;
function freshClient() {
  clientN++;
  return { ip: `192.0.2.${clientN}`, userAgent: `audit-test/${clientN}` };
}

const minuteOf = (d: Date) => d.toISOString().slice(0, 16);

async function rowsFiledUnder(name: string) {
  return db.auditEvent.findMany({ where: { actorName: name }, orderBy: { id: "asc" } });
}

describe("failed sign-ins are filed under the name tried, marked unverified", () => {
  it("console sign-in: the row names the attempted user, unverified; the user filter finds it; the real user's own rows stay verified", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const auditor = await createTestUser({ isAuditor: true });
    const client = freshClient();
    await signInWithPassword({ username: admin.username, password: TEST_PASSWORD, client });
    await expect(signInWithPassword({ username: admin.username, password: "Wrong-passw0rd", client })).rejects.toBeInstanceOf(UnauthenticatedError);

    const page = await listAuditEvents({ actor: actorFor(auditor), filter: { user: admin.username, op: "session.sign_in" }, pageSize: 10 });
    expect(page.rows.map((r) => [r.result, r.actorName, r.actorVerified, r.principalKind, r.actorId])).toEqual([
      ["failure", admin.username, false, "anonymous", null],
      ["success", admin.username, true, "user", admin.id],
    ]);
    // Never shown as the administrator's own action: every outward form carries the mark.
    const [failed, succeeded] = page.rows;
    expect(toHarborAuditLog(failed!)).toMatchObject({ username: `${admin.username} (unverified)`, actor_verified: false, result: "failure", count: 1 });
    expect(toHarborAuditLog(succeeded!)).toMatchObject({ username: admin.username, actor_verified: true });

    const { stream } = await exportAuditEvents({ actor: actorFor(auditor), filter: { user: admin.username, op: "session.sign_in" } });
    const lines = (await new Response(stream).text()).split("\r\n").filter(Boolean);
    expect(lines[0]).toBe("id,time,username,principal_kind,operation,resource_type,resource,project,result,reason,client_ip,user_agent,detail,actor_verified,count");
    expect(lines[1]).toMatch(new RegExp(`^${failed!.id},[^,]+,${admin.username} \\(unverified\\),anonymous,session\\.sign_in,.*,false,1$`));
    expect(lines[2]).toMatch(new RegExp(`^${succeeded!.id},[^,]+,${admin.username},user,session\\.sign_in,.*,true,1$`));
  });

  it("an unknown name is filed under that name too; an empty one stays anonymous", async () => {
    const ghost = uniqueName("ghost");
    await expect(signInWithPassword({ username: ghost, password: "Whatever-1", client: freshClient() })).rejects.toBeInstanceOf(UnauthenticatedError);
    expect((await rowsFiledUnder(ghost)).map((r) => [r.action, r.reason, r.actorVerified])).toEqual([["session.sign_in", "unknown username", false]]);

    const name = uniqueName("blank");
    await db.$transaction((tx) =>
      recordAuditEvent(tx, { actor: anonymousActor(), action: "session.sign_in", resource: { type: "session", name }, result: "failure", claimedName: "  " }),
    );
    expect(await db.auditEvent.findFirstOrThrow({ where: { resourceName: name } })).toMatchObject({ actorName: "anonymous", actorVerified: true });
  });

  it("a claimed name is only taken from an anonymous caller: a signed-in actor stays who they proved to be", async () => {
    const user = await createTestUser();
    const name = uniqueName("claim");
    await db.$transaction((tx) =>
      recordAuditEvent(tx, { actor: actorFor(user), action: "test.claim" as AuditAction, resource: { type: "test", name }, claimedName: "admin" }),
    );
    expect(await db.auditEvent.findFirstOrThrow({ where: { resourceName: name } })).toMatchObject({ actorName: user.username, actorVerified: true });
  });

  it("the locked refusals (no password checked) are filed under the name as well", async () => {
    const user = await createTestUser();
    const client = freshClient();
    for (let i = 0; i < SIGN_IN_MAX_FAILURES; i++) {
      await signInWithPassword({ username: user.username, password: "Wrong-passw0rd", client }).catch(() => undefined);
    }
    await expect(signInWithPassword({ username: user.username, password: TEST_PASSWORD, client })).rejects.toBeInstanceOf(SignInLockedError);
    const rows = await rowsFiledUnder(user.username);
    expect(rows.length).toBeGreaterThanOrEqual(SIGN_IN_MAX_FAILURES + 1);
    expect(rows.every((r) => r.result === "failure" && !r.actorVerified && r.principalKind === "anonymous")).toBe(true);
    expect(rows.some((r) => r.reason === "locked after repeated failures")).toBe(true);
  });

  it("REST/registry Basic: a wrong password and an unknown robot are filed under the name sent", async () => {
    const user = await createTestUser();
    await expect(verifyRegistryCredentials({ username: user.username, password: "Wrong-passw0rd", client: freshClient() })).rejects.toBeInstanceOf(
      UnauthenticatedError,
    );
    const robot = `robot$${uniqueName("nobody")}`;
    await expect(verifyRegistryCredentials({ username: robot, password: "x".repeat(40), client: freshClient() })).rejects.toBeInstanceOf(UnauthenticatedError);
    expect((await rowsFiledUnder(user.username)).map((r) => [r.action, r.reason, r.actorVerified])).toEqual([["registry.login", "wrong password", false]]);
    expect((await rowsFiledUnder(robot)).map((r) => [r.action, r.reason, r.actorVerified])).toEqual([["registry.login", "unknown robot", false]]);
  });

  it("token service and the /v2 gateway's Basic auth: filed under the name sent", async () => {
    const viaToken = await createTestUser();
    await expect(
      issueRegistryToken({ authorization: basic(viaToken.username, "Wrong-passw0rd"), service: REGISTRY_SERVICE, scopes: [], client: freshClient() }),
    ).rejects.toBeInstanceOf(UnauthenticatedError);
    expect((await rowsFiledUnder(viaToken.username)).map((r) => [r.action, r.actorVerified])).toEqual([["registry.login", false]]);

    const viaGateway = await createTestUser();
    const res = await handleRegistryRequest(
      new Request(`${EXTERNAL}/v2/`, { headers: { authorization: basic(viaGateway.username, "Wrong-passw0rd")} }),
    );
    expect(res.status).toBe(401);
    expect((await rowsFiledUnder(viaGateway.username)).map((r) => [r.action, r.actorVerified])).toEqual([["registry.login", false]]);
  });
});

describe("a repeated refusal is one row per client and minute, with a count", () => {
  it("12 parallel refused push attempts through the gateway write one row counting 12; the manifest PUT is its own row", async () => {
    const project = await createProject();
    const guest = await createMember(project.id, 3);
    const repository = `${project.name}/app`;
    const token = await h.tokenFor(guest.username, repository, "pull,push");
    const answers = await Promise.all(Array.from({ length: 12 }, () => h.call(`/v2/${repository}/blobs/uploads/`, { method: "POST", token })));
    expect(answers.map((r) => r.status)).toEqual(Array(12).fill(401));
    const put = await h.call(`/v2/${repository}/manifests/1.0`, { method: "PUT", token, body: new TextEncoder().encode("{}"), headers: { "content-type": "application/json" } });
    expect(put.status).toBe(401);

    const rows = await db.auditEvent.findMany({ where: { projectId: project.id }, orderBy: { id: "asc" } });
    const uploads = rows.filter((r) => r.resourceName === repository);
    // One row per minute (two only if the burst straddled a minute's end), counting all 12.
    expect(new Set(uploads.map((r) => minuteOf(r.occurredAt))).size).toBe(uploads.length);
    expect(uploads.reduce((n, r) => n + r.repeatCount, 0)).toBe(12);
    expect(uploads.map((r) => [r.action, r.result, r.actorName, r.actorVerified])).toEqual(uploads.map(() => ["artifact.push", "failure", guest.username, true]));
    expect(rows.filter((r) => r.resourceName !== repository).map((r) => [r.action, r.resourceName, r.repeatCount])).toEqual([["artifact.push", `${repository}:1.0`, 1]]);
    // The viewer and the REST shape show the count.
    const admin = await createTestUser({ isAdmin: true });
    const page = await listAuditEvents({ actor: actorFor(admin), filter: { project: project.name, resourceIs: repository }, pageSize: 10 });
    expect(page.rows.map((r) => r.repeatCount)).toEqual(uploads.map((r) => r.repeatCount).reverse());
    expect(page.rows.map((r) => toHarborAuditLog(r).count)).toEqual(page.rows.map((r) => r.repeatCount));
  });

  it("parallel refusals from different clients or for different reasons stay apart", async () => {
    const name = uniqueName("apart");
    const a = { ip: "198.51.100.21", userAgent: "a" };
    const b = { ip: "198.51.100.22", userAgent: "a" };
    const refusal = (client: typeof a, reason: string) =>
      recordRefusal({ actor: anonymousActor(client), action: "project.create", resource: { type: "project", name }, reason });
    await Promise.all([
      ...Array.from({ length: 10 }, () => refusal(a, "not signed in")),
      ...Array.from({ length: 7 }, () => refusal(b, "not signed in")),
      ...Array.from({ length: 3 }, () => refusal(a, "another reason")),
    ]);
    const rows = await db.auditEvent.findMany({ where: { resourceName: name }, orderBy: [{ clientIp: "asc" }, { reason: "asc" }, { id: "asc" }] });
    // Summed per (client, reason), in case the burst straddled a minute's end; never two rows of one minute.
    const counts = new Map<string, number>();
    const seen = new Set<string>();
    for (const r of rows) {
      const group = `${r.clientIp} ${r.reason}`;
      counts.set(group, (counts.get(group) ?? 0) + r.repeatCount);
      const slot = `${group} ${minuteOf(r.occurredAt)}`;
      expect(seen.has(slot)).toBe(false);
      seen.add(slot);
    }
    expect(Object.fromEntries(counts)).toEqual({
      "198.51.100.21 another reason": 3,
      "198.51.100.21 not signed in": 10,
      "198.51.100.22 not signed in": 7,
    });
  });

  it("successful changes are never merged: each writes its own row", async () => {
    const name = uniqueName("each");
    for (let i = 0; i < 3; i++) {
      await db.$transaction((tx) => recordAuditEvent(tx, { actor: systemActor("test"), action: "test.each" as AuditAction, resource: { type: "test", name } }));
    }
    const rows = await db.auditEvent.findMany({ where: { resourceName: name } });
    expect(rows.map((r) => [r.repeatCount, r.dedupeKey])).toEqual([
      [1, null],
      [1, null],
      [1, null],
    ]);
  });
});

describe("append-only still holds for what a row records", () => {
  async function refusalRow() {
    const name = uniqueName("counted");
    await recordRefusal({ actor: anonymousActor({ ip: "198.51.100.30", userAgent: null }), action: "project.create", resource: { type: "project", name }, reason: "not signed in" });
    return db.auditEvent.findFirstOrThrow({ where: { resourceName: name } });
  }

  it("only a refusal row's count may go up, by one, with nothing else changed", async () => {
    const row = await refusalRow();
    await db.$executeRaw`UPDATE audit_events SET repeat_count = repeat_count + 1 WHERE id = ${row.id}`;
    expect((await db.auditEvent.findUniqueOrThrow({ where: { id: row.id } })).repeatCount).toBe(2);
    await expect(db.$executeRaw`UPDATE audit_events SET repeat_count = repeat_count + 2 WHERE id = ${row.id}`).rejects.toThrow(/append-only/);
    await expect(db.$executeRaw`UPDATE audit_events SET repeat_count = repeat_count - 1 WHERE id = ${row.id}`).rejects.toThrow(/append-only/);
    await expect(db.$executeRaw`UPDATE audit_events SET repeat_count = repeat_count + 1, reason = 'tampered' WHERE id = ${row.id}`).rejects.toThrow(/append-only/);
    await expect(db.$executeRaw`UPDATE audit_events SET actor_verified = true WHERE id = ${row.id}`).rejects.toThrow(/append-only/);
    await expect(db.$executeRaw`UPDATE audit_events SET dedupe_key = NULL WHERE id = ${row.id}`).rejects.toThrow(/append-only/);
    expect(await db.auditEvent.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ repeatCount: 2, reason: "not signed in", actorVerified: true });
  });

  it("a row that records a change cannot be counted, and a refusal row is final once its minute is over", async () => {
    const name = uniqueName("final");
    await db.$transaction((tx) => recordAuditEvent(tx, { actor: systemActor("test"), action: "test.final" as AuditAction, resource: { type: "test", name } }));
    const change = await db.auditEvent.findFirstOrThrow({ where: { resourceName: name } });
    await expect(db.$executeRaw`UPDATE audit_events SET repeat_count = repeat_count + 1 WHERE id = ${change.id}`).rejects.toThrow(/append-only/);

    const old = uniqueName("old");
    await db.$executeRaw`
      INSERT INTO audit_events (occurred_at, principal_kind, actor_name, action, resource_type, resource_name, result, dedupe_key)
      VALUES (now() - interval '2 minutes', 'anonymous', 'anonymous', 'project.create', 'project', ${old}, 'failure', ${`old-${old}`})`;
    await expect(db.$executeRaw`UPDATE audit_events SET repeat_count = repeat_count + 1 WHERE resource_name = ${old}`).rejects.toThrow(/append-only/);
  });
});

describe("syslog forwarding carries the mark and the final count", () => {
  it("sends an unverified name marked, holds a refusal row while it still counts, and sends a closed one with its count", async () => {
    const [max] = await db.$queryRaw<{ id: bigint | null }[]>`SELECT max(id) AS id FROM audit_events`;
    const state = { cursor: String(max?.id ?? 0) };
    await db.systemSetting.upsert({ where: { key: FORWARDING_STATE_KEY }, create: { key: FORWARDING_STATE_KEY, value: state }, update: { value: state } });
    try {
      const ghost = uniqueName("fwd");
      await expect(signInWithPassword({ username: ghost, password: "Whatever-1", client: freshClient() })).rejects.toBeInstanceOf(UnauthenticatedError);
      const closed = uniqueName("closed");
      await db.$executeRaw`
        INSERT INTO audit_events (occurred_at, principal_kind, actor_name, action, resource_type, resource_name, result, dedupe_key, repeat_count)
        VALUES (now() - interval '3 minutes', 'anonymous', 'anonymous', 'project.create', 'project', ${closed}, 'failure', ${`closed-${closed}`}, 5)`;
      const counting = uniqueName("counting");
      await recordRefusal({ actor: anonymousActor(freshClient()), action: "project.create", resource: { type: "project", name: counting }, reason: "not signed in" });

      const frames: string[] = [];
      const result = await forwardAuditEventsOnce({ send: async (f) => void frames.push(...f), gap: newGapTracker(), forwarderId: "audit-unverified-test" });
      const payloads = frames.map((f) => JSON.parse(f.slice(f.indexOf("{"))) as Record<string, unknown>);
      expect(payloads.map((p) => [p.actorName, p.actorVerified, p.resourceName, p.count])).toEqual([
        [`${ghost} (unverified)`, false, ghost, 1],
        ["anonymous", true, closed, 5],
      ]);
      // The refusal of this minute waits (its count may still grow), and so does the tail behind it.
      expect(result.sent).toBe(2);
    } finally {
      await db.systemSetting.delete({ where: { key: FORWARDING_STATE_KEY } });
    }
  });
});
