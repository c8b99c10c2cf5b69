import { describe, expect, it } from "vitest";
import * as projectRoute from "@/app/api/v2.0/projects/[project_name_or_id]/route";
import * as projectsRoute from "@/app/api/v2.0/projects/route";
import { apiRequest, auditCount, basic, call, createTestUser, db, errorOf } from "@/lib/api/test-kit";
import { uniqueName } from "@/lib/testing/factories";

/** Proxy-cache projects over REST (issue 13 item 5): Harbor's `registry_id`, and Wharf's `metadata.proxy_cache_days`. */

const byName = (name: string) => ({ project_name_or_id: name });
const nameHeader = { "X-Is-Resource-Name": "true" };

async function endpoint(): Promise<number> {
  const row = await db.registryEndpoint.create({ data: { name: uniqueName("rest-upstream"), type: "docker-hub", url: "https://registry-1.docker.io", credentialType: "none" }, select: { id: true } });
  return row.id;
}

describe("proxy-cache projects over REST", () => {
  it("creates one with registry_id and cache days, answers them in Harbor's shape, and changes the days but never the upstream", async () => {
    const admin = basic((await createTestUser({ isAdmin: true })).username);
    const registryId = await endpoint();
    const name = uniqueName("rest-proxy").toLowerCase();
    const post = await call(projectsRoute.POST, apiRequest("/projects", { method: "POST", auth: admin, body: { project_name: name, registry_id: registryId, metadata: { public: "true", proxy_cache_days: "30" } } }), {});
    expect(post.status).toBe(201);
    const get = await call(projectRoute.GET, apiRequest(`/projects/${name}`, { auth: admin, headers: nameHeader }), byName(name));
    const project = (await get.json()) as { registry_id: number; metadata: Record<string, string> };
    expect(project.registry_id).toBe(registryId);
    expect(project.metadata.proxy_cache_days).toBe("30");
    const audit = await db.auditEvent.findFirstOrThrow({ where: { action: "project.create", resourceName: name }, select: { detail: true } });
    expect(audit.detail).toMatchObject({ registry_id: registryId, proxy_cache_days: 30 });

    // Sent back unchanged: accepted; the days change; another upstream is refused and changes nothing.
    const put = (body: unknown) => call(projectRoute.PUT, apiRequest(`/projects/${name}`, { method: "PUT", auth: admin, body, headers: nameHeader }), byName(name));
    expect((await put({ registry_id: registryId, metadata: { proxy_cache_days: "14" } })).status).toBe(200);
    expect((await db.project.findUniqueOrThrow({ where: { name }, select: { proxyCacheDays: true } })).proxyCacheDays).toBe(14);
    const audits = await auditCount();
    const changed = await put({ registry_id: await endpoint(), metadata: { proxy_cache_days: "3" } });
    expect(changed.status).toBe(400);
    expect((await errorOf(changed)).message).toContain("registry_id: a project's upstream registry cannot be changed");
    expect((await db.project.findUniqueOrThrow({ where: { name }, select: { proxyCacheDays: true, proxyRegistryId: true } }))).toEqual({ proxyCacheDays: 14, proxyRegistryId: registryId });
    expect(await auditCount()).toBe(audits);
  });

  it("refuses a proxy-cache project to a non-administrator, an unknown endpoint, bad days, and days on an ordinary project", async () => {
    const user = basic((await createTestUser()).username);
    const admin = basic((await createTestUser({ isAdmin: true })).username);
    const registryId = await endpoint();
    const create = (auth: string, body: unknown) => call(projectsRoute.POST, apiRequest("/projects", { method: "POST", auth, body }), {});

    const name = uniqueName("rest-proxy").toLowerCase();
    const refused = await create(user, { project_name: name, registry_id: registryId });
    expect(refused.status).toBe(403);
    expect((await errorOf(refused)).message).toBe("Only administrators may create proxy-cache projects.");
    const unknown = await create(admin, { project_name: name, registry_id: 2_000_000_000 });
    expect(unknown.status).toBe(400);
    expect((await errorOf(unknown)).message).toBe("registry_id: No such registry endpoint");
    const days = await create(admin, { project_name: name, registry_id: registryId, metadata: { proxy_cache_days: "0" } });
    expect(days.status).toBe(400);
    expect((await errorOf(days)).message).toContain("metadata.proxy_cache_days: Keep cached artifacts 1 to 3650 days");
    expect(await db.project.count({ where: { name } })).toBe(0);

    const ordinary = uniqueName("rest-plain").toLowerCase();
    expect((await create(admin, { project_name: ordinary, registry_id: 0 })).status).toBe(201);
    const put = await call(projectRoute.PUT, apiRequest(`/projects/${ordinary}`, { method: "PUT", auth: admin, body: { metadata: { proxy_cache_days: "5" } }, headers: nameHeader }), byName(ordinary));
    expect(put.status).toBe(400);
    expect((await errorOf(put)).message).toBe("metadata.proxy_cache_days: Not a proxy-cache project");
  });
});
