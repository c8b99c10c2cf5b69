import { describe, expect, it } from "vitest";
import * as projectRoute from "@/app/api/v2.0/projects/[project_name_or_id]/route";
import * as projectsRoute from "@/app/api/v2.0/projects/route";
import * as currentRoute from "@/app/api/v2.0/users/current/route";
import { ORIGIN, apiRequest, auditCount, basic, call, createTestUser, db, errorOf, sessionCookieFor } from "@/lib/api/test-kit";
import { uniqueName } from "@/lib/testing/factories";

const CROSS_SITE = { errors: [{ code: "FORBIDDEN", message: "cross-site request refused" }] };

async function signedIn() {
  const user = await createTestUser();
  return { user, cookie: await sessionCookieFor(user) };
}

function postProject(headers: Record<string, string>, name = uniqueName("csrf"), auth?: string) {
  return call(projectsRoute.POST, apiRequest("/projects", { method: "POST", auth, headers, body: { project_name: name } }), {});
}

describe("REST API: session cookie and CSRF", () => {
  it("accepts the console's session cookie for reads", async () => {
    const { user, cookie } = await signedIn();
    const res = await call(currentRoute.GET, apiRequest("/users/current", { headers: { cookie } }), {});
    expect(res.status).toBe(200);
    expect(((await res.json()) as { username: string }).username).toBe(user.username);
  });

  it("refuses a cookie mutation from a foreign Origin with 403 and writes nothing", async () => {
    const { cookie } = await signedIn();
    const name = uniqueName("evil");
    const audits = await auditCount();
    const res = await postProject({ cookie, origin: "https://evil.example" }, name);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual(CROSS_SITE);
    expect(await db.project.count({ where: { name } })).toBe(0);
    expect(await auditCount()).toBe(audits);

    // Without Origin a browser's Sec-Fetch-Site must say same-origin; nothing at all is refused too.
    expect((await postProject({ cookie, "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect((await postProject({ cookie })).status).toBe(403);
    expect((await postProject({ cookie, origin: "null" })).status).toBe(403);
    // Also for DELETE (every mutating method).
    const del = await call(projectRoute.DELETE, apiRequest("/projects/1", { method: "DELETE", headers: { cookie, origin: "https://evil.example" } }), {
      project_name_or_id: "1",
    });
    expect(await del.json()).toEqual(CROSS_SITE);
  });

  it("accepts a cookie mutation from Wharf's own origin, or marked same-origin", async () => {
    const { cookie } = await signedIn();
    expect((await postProject({ cookie, origin: ORIGIN })).status).toBe(201);
    expect((await postProject({ cookie, "sec-fetch-site": "same-origin" })).status).toBe(201);
    // Behind a reverse proxy: the browser's Origin matches the forwarded host.
    expect((await postProject({ cookie, origin: "https://registry.example.com", "x-forwarded-host": "registry.example.com" })).status).toBe(201);
  });

  it("exempts Basic-auth calls (scripts send credentials on purpose)", async () => {
    const { user, cookie } = await signedIn();
    expect((await postProject({ cookie, origin: "https://evil.example" }, uniqueName("basic"), basic(user.username))).status).toBe(201);
  });

  it("treats a stale session (password reset since) as anonymous, without a Basic challenge", async () => {
    const { user, cookie } = await signedIn();
    await db.user.update({ where: { id: user.id }, data: { sessionVersion: { increment: 1 } } });
    const res = await call(currentRoute.GET, apiRequest("/users/current", { headers: { cookie } }), {});
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBeNull();
  });
});

describe("REST API: Basic authentication", () => {
  it("refuses wrong credentials with 401 and a Basic challenge", async () => {
    const user = await createTestUser();
    for (const auth of [basic(user.username, "Wrong-passw0rd"), "Bearer abc.def.ghi", "Basic %%%"]) {
      const res = await call(currentRoute.GET, apiRequest("/users/current", { auth }), {});
      expect(res.status, auth).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Basic realm="wharf"');
      expect((await errorOf(res)).code).toBe("UNAUTHORIZED");
    }
  });

  it("refuses a disabled user's correct password", async () => {
    const user = await createTestUser({ disabled: true });
    expect((await call(currentRoute.GET, apiRequest("/users/current", { auth: basic(user.username) }), {})).status).toBe(401);
  });

  it("echoes a plain X-Request-Id, replaces odd ones, and never lets responses be cached", async () => {
    const user = await createTestUser();
    const echoed = await call(currentRoute.GET, apiRequest("/users/current", { auth: basic(user.username), headers: { "x-request-id": "req-42" } }), {});
    expect(echoed.headers.get("x-request-id")).toBe("req-42");
    expect(echoed.headers.get("cache-control")).toBe("no-store");
    const replaced = await call(currentRoute.GET, apiRequest("/users/current", { headers: { "x-request-id": "bad id\twith spaces" } }), {});
    expect(replaced.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});
