import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { startCacheInvalidationListener, type CacheInvalidationListener } from "@/lib/cache/invalidation-listener";
import { cachesInvalidatedBy, invalidateCaches, processCache, type CacheTopic } from "@/lib/cache/process-cache";
import { verifyRegistryCredentials } from "@/lib/services/auth/verify-registry-credentials";
import { bumpGrantVersion } from "@/lib/services/registry-auth/grant-version";
import { findRegistryProject } from "@/lib/services/registry-auth/project-lookup";
import { createProject, createRobot, TEST_CLIENT } from "@/lib/services/registry-auth/test-fixtures";
import { setAuthMode } from "@/lib/services/identity/auth-mode";
import { readOidcSignInConfig } from "@/lib/services/identity/oidc/settings";
import { actorFor, createTestUser, db } from "@/lib/testing/factories";

const unique = () => `test-${randomBytes(4).toString("hex")}`;

describe("processCache", () => {
  it("is bounded: past max, the least recently used entry leaves", () => {
    const cache = processCache<{ n: number }>({ name: unique(), max: 2, ttlMs: 60_000, invalidatedBy: null });
    cache.set("a", { n: 1 });
    cache.set("b", { n: 2 });
    expect(cache.get("a")).toEqual({ n: 1 }); // a is now the most recently used
    cache.set("c", { n: 3 });
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual([{ n: 1 }, undefined, { n: 3 }]);
  });

  it("is one cache per name, whichever module copy asks (it lives on globalThis)", () => {
    const name = unique();
    const one = processCache<{ n: number }>({ name, max: 10, ttlMs: 60_000, invalidatedBy: null });
    one.set("k", { n: 1 });
    expect(processCache<{ n: number }>({ name, max: 10, ttlMs: 60_000, invalidatedBy: null }).get("k")).toEqual({ n: 1 });
  });

  it("empties only the caches invalidated by a topic", () => {
    const byGrants = processCache<{ n: number }>({ name: unique(), max: 10, ttlMs: 60_000, invalidatedBy: "registry-grants" });
    const exact = processCache<{ n: number }>({ name: unique(), max: 10, ttlMs: 60_000, invalidatedBy: null });
    byGrants.set("k", { n: 1 });
    exact.set("k", { n: 2 });
    invalidateCaches("registry-grants");
    expect([byGrants.get("k"), exact.get("k")]).toEqual([undefined, { n: 2 }]);
  });

  it("the caches whose entries another instance can make wrong are the project lookups and verified robots", async () => {
    // Loaded by the imports above; the password, token and current-grant caches are exact without it.
    expect(cachesInvalidatedBy("registry-grants")).toEqual(expect.arrayContaining(["registry-projects", "verified-robots"]));
    expect(cachesInvalidatedBy("registry-grants")).not.toEqual(expect.arrayContaining(["verified-passwords"]));
    expect(cachesInvalidatedBy("registry-grants")).not.toEqual(expect.arrayContaining(["verified-tokens"]));
    expect(cachesInvalidatedBy("registry-grants")).not.toEqual(expect.arrayContaining(["current-grants"]));
  });
});

describe("invalidation across instances (LISTEN/NOTIFY)", () => {
  let listener: CacheInvalidationListener | null = null;
  const heard: CacheTopic[] = [];
  let waiting: (() => void) | null = null;
  const nextInvalidation = () => new Promise<void>((resolve) => (waiting = resolve));

  afterEach(async () => {
    await listener?.stop();
    listener = null;
  });

  async function listen() {
    listener = startCacheInvalidationListener({
      databaseUrl: process.env.DATABASE_URL!,
      onInvalidate: (topic) => {
        heard.push(topic);
        waiting?.();
        waiting = null;
      },
    });
    await listener.ready;
  }

  it("a project deleted and re-created under its name by another instance is not answered from the cache once the change commits", async () => {
    await listen();
    const old = await createProject();
    expect((await findRegistryProject(old.name))?.id).toBe(old.id); // now remembered

    // Another instance's change, written behind this process's services: no local forget.
    const heardIt = nextInvalidation();
    const created = await db.$transaction(async (tx) => {
      await tx.project.delete({ where: { id: old.id } });
      const again = await tx.project.create({ data: { name: old.name, isPublic: true }, select: { id: true } });
      await bumpGrantVersion(tx);
      return again;
    });
    // Heard on commit (awaiting it is the check: without the listener this never resolves).
    await heardIt;
    expect(await findRegistryProject(old.name)).toMatchObject({ id: created.id, isPublic: true });
  });

  it("a robot's new secret, set by another instance, ends the old one's remembered check when the change commits", async () => {
    await listen();
    const project = await createProject();
    const robot = await createRobot(project, ["repository:pull"]);
    await verifyRegistryCredentials({ username: robot.name, password: robot.secret, client: TEST_CLIENT }); // remembered
    const heardIt = nextInvalidation();
    await db.$transaction(async (tx) => {
      await tx.robot.update({ where: { id: robot.id }, data: { secretHash: "0".repeat(64) } });
      await bumpGrantVersion(tx);
    });
    await heardIt;
    await expect(verifyRegistryCredentials({ username: robot.name, password: robot.secret, client: TEST_CLIENT })).rejects.toThrow(/Wrong robot name or secret/);
  });

  it("a sign-in mode changed by another instance reaches this one's cached OIDC sign-in view when the change commits", async () => {
    await listen();
    const admin = actorFor(await createTestUser({ isAdmin: true }));
    try {
      // Remembered: db_auth, so no OIDC provider to sign in through.
      expect(await readOidcSignInConfig()).toBeNull();
      const heardIt = nextInvalidation();
      await setAuthMode({ actor: admin, mode: "oidc_auth" });
      await heardIt;
      expect(heard.at(-1)).toBe("sign-in-settings");
      expect(cachesInvalidatedBy("sign-in-settings")).toContain("oidc-sign-in");
    } finally {
      await db.systemSetting.deleteMany({ where: { key: "auth_mode" } });
      invalidateCaches("sign-in-settings");
    }
  });

  it("after losing its connection, the listener reconnects and empties the caches (it may have missed a change)", async () => {
    await listen();
    const old = await createProject();
    await findRegistryProject(old.name);
    const reconnected = nextInvalidation();
    await db.$executeRaw`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN wharf_cache' AND datname = current_database() AND pid <> pg_backend_pid()`;
    await reconnected;
    expect(heard.slice(-6)).toEqual(["registry-grants", "tag-policy", "pull-policy", "registry-gc", "ip-allowlist", "sign-in-settings"]);
    await db.project.update({ where: { id: old.id }, data: { isPublic: true } });
    expect(await findRegistryProject(old.name)).toMatchObject({ id: old.id, isPublic: true });
  });
});
