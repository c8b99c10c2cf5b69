import { describe, expect, it } from "vitest";
import * as membersRoute from "@/app/api/v2.0/projects/[project_name_or_id]/members/route";
import * as projectRoute from "@/app/api/v2.0/projects/[project_name_or_id]/route";
import * as projectsRoute from "@/app/api/v2.0/projects/route";
import { apiRequest, auditCount, basic, call, createTestUser, db, errorOf } from "@/lib/api/test-kit";
import { uniqueName } from "@/lib/testing/factories";
import { ZCreateProject } from "@/lib/validation/projects";

type Project = { project_id: number; name: string; metadata: { public: string }; [key: string]: unknown };

async function createViaApi(auth: string, name: string, isPublic: boolean | string = false): Promise<number> {
  const res = await call(projectsRoute.POST, apiRequest("/projects", { method: "POST", auth, body: { project_name: name, metadata: { public: isPublic } } }), {});
  expect(res.status).toBe(201);
  return Number(res.headers.get("location")!.split("/").pop());
}

const byId = (id: number | string) => ({ project_name_or_id: String(id) });

describe("projects API: create, read, update, delete", () => {
  it("runs the whole lifecycle in Harbor's shapes, one audit row per change", async () => {
    const owner = await createTestUser();
    const auth = basic(owner.username);
    const name = uniqueName("crud");

    let audits = await auditCount();
    const post = await call(projectsRoute.POST, apiRequest("/projects", { method: "POST", auth, body: { project_name: name, metadata: { public: "false" } } }), {});
    expect(post.status).toBe(201);
    expect(await post.text()).toBe("");
    const location = post.headers.get("location")!;
    expect(location).toMatch(/^\/api\/v2\.0\/projects\/\d+$/);
    expect(post.headers.get("x-request-id")).toBeTruthy();
    expect(await auditCount()).toBe(audits + 1);
    const id = Number(location.split("/").pop());

    const get = await call(projectRoute.GET, apiRequest(`/projects/${id}`, { auth }), byId(id));
    expect(get.status).toBe(200);
    expect(get.headers.get("cache-control")).toBe("no-store");
    const project = (await get.json()) as Project;
    expect(project).toMatchObject({
      project_id: id,
      name,
      owner_name: owner.username,
      repo_count: 0,
      current_user_role_id: 1,
      current_user_role_ids: [1],
      metadata: { public: "false", auto_scan: "false" },
    });
    expect(Date.parse(project.creation_time as string)).not.toBeNaN();

    const byName = await call(projectRoute.GET, apiRequest(`/projects/${name}`, { auth }), byId(name));
    expect(((await byName.json()) as Project).project_id).toBe(id);

    audits = await auditCount();
    const put = await call(projectRoute.PUT, apiRequest(`/projects/${id}`, { method: "PUT", auth, body: { metadata: { public: true } } }), byId(id));
    expect(put.status).toBe(200);
    expect(await auditCount()).toBe(audits + 1);
    const after = (await (await call(projectRoute.GET, apiRequest(`/projects/${id}`, { auth }), byId(id))).json()) as Project;
    expect(after.metadata.public).toBe("true");

    // The same value again changes nothing and writes nothing.
    audits = await auditCount();
    const again = await call(projectRoute.PUT, apiRequest(`/projects/${id}`, { method: "PUT", auth, body: { metadata: { public: "true" } } }), byId(id));
    expect(again.status).toBe(200);
    expect(await auditCount()).toBe(audits);

    audits = await auditCount();
    const del = await call(projectRoute.DELETE, apiRequest(`/projects/${id}`, { method: "DELETE", auth }), byId(id));
    expect(del.status).toBe(200);
    expect(await auditCount()).toBe(audits + 1);
    const gone = await call(projectRoute.GET, apiRequest(`/projects/${id}`, { auth }), byId(id));
    expect(gone.status).toBe(404);
    expect(await errorOf(gone)).toMatchObject({ code: "NOT_FOUND" });
  });

  it("HEAD answers whether a name is taken, for signed-in callers only", async () => {
    const owner = await createTestUser();
    const auth = basic(owner.username);
    const name = uniqueName("head");
    await createViaApi(auth, name);
    const head = (query: string, a?: string) => call(projectsRoute.HEAD, apiRequest(`/projects?${query}`, { method: "HEAD", auth: a }), {});

    const found = await head(`project_name=${name}`, auth);
    expect(found.status).toBe(200);
    expect(await found.text()).toBe("");
    expect((await head(`project_name=${name}-nope`, auth)).status).toBe(404);
    // Someone else's private project: the name is still taken.
    expect((await head(`project_name=${name}`, basic((await createTestUser()).username))).status).toBe(200);
    expect((await head(`project_name=${name}`)).status).toBe(401);
    expect((await head("", auth)).status).toBe(400);
  });

  it("honours X-Is-Resource-Name for all-digit names and X-Resource-Name-In-Location", async () => {
    const owner = await createTestUser();
    const auth = basic(owner.username);
    const named = uniqueName("loc");
    const post = await call(
      projectsRoute.POST,
      apiRequest("/projects", { method: "POST", auth, headers: { "x-resource-name-in-location": "true" }, body: { project_name: named } }),
      {},
    );
    expect(post.status).toBe(201);
    expect(post.headers.get("location")).toBe(`/api/v2.0/projects/${named}`);

    // All-digit names can no longer be created; one from before stays reachable by name this way.
    const name = `7${Math.floor(Math.random() * 1e8)}`.padEnd(9, "0");
    await db.project.create({ data: { name, isPublic: true } });
    expect((await call(projectRoute.GET, apiRequest(`/projects/${name}`, { auth }), byId(name))).status).toBe(404);
    const asName = await call(projectRoute.GET, apiRequest(`/projects/${name}`, { auth, headers: { "x-is-resource-name": "true" } }), byId(name));
    expect(asName.status).toBe(200);
    expect(((await asName.json()) as Project).name).toBe(name);
  });

  it("takes the deprecated top-level public only when metadata.public is absent", async () => {
    const auth = basic((await createTestUser()).username);
    const legacy = uniqueName("legacy");
    const both = uniqueName("both");
    await call(projectsRoute.POST, apiRequest("/projects", { method: "POST", auth, body: { project_name: legacy, public: true } }), {});
    await call(projectsRoute.POST, apiRequest("/projects", { method: "POST", auth, body: { project_name: both, public: true, metadata: { public: "false" } } }), {});
    const rows = await db.project.findMany({ where: { name: { in: [legacy, both] } }, select: { name: true, isPublic: true } });
    expect(Object.fromEntries(rows.map((r) => [r.name, r.isPublic]))).toEqual({ [legacy]: true, [both]: false });
  });
});

describe("projects API: metadata auto_scan (scan on push)", () => {
  const getProject = async (auth: string, id: number) => (await (await call(projectRoute.GET, apiRequest(`/projects/${id}`, { auth }), byId(id))).json()) as Project;

  it("is taken on POST and PUT and answered on GET, one audit row per change", async () => {
    const owner = await createTestUser();
    const auth = basic(owner.username);
    const post = await call(projectsRoute.POST, apiRequest("/projects", { method: "POST", auth, body: { project_name: uniqueName("scan"), metadata: { public: "false", auto_scan: "true" } } }), {});
    expect(post.status).toBe(201);
    const id = Number(post.headers.get("location")!.split("/").pop());
    expect((await getProject(auth, id)).metadata).toMatchObject({ public: "false", auto_scan: "true" });
    expect((await db.project.findUniqueOrThrow({ where: { id } })).autoScan).toBe(true);

    let audits = await auditCount();
    const off = await call(projectRoute.PUT, apiRequest(`/projects/${id}`, { method: "PUT", auth, body: { metadata: { auto_scan: false } } }), byId(id));
    expect(off.status).toBe(200);
    expect(await auditCount()).toBe(audits + 1);
    const row = await db.auditEvent.findFirstOrThrow({ where: { action: "project.update", projectId: id }, orderBy: { id: "desc" } });
    expect(row.detail).toEqual({ before: { auto_scan: true }, after: { auto_scan: false } });
    expect((await getProject(auth, id)).metadata).toMatchObject({ public: "false", auto_scan: "false" });

    // A PUT that leaves auto_scan out leaves it as it is (and changes only public).
    audits = await auditCount();
    const on = await call(projectRoute.PUT, apiRequest(`/projects/${id}`, { method: "PUT", auth, body: { metadata: { auto_scan: "true" } } }), byId(id));
    expect(on.status).toBe(200);
    const pub = await call(projectRoute.PUT, apiRequest(`/projects/${id}`, { method: "PUT", auth, body: { metadata: { public: "true" } } }), byId(id));
    expect(pub.status).toBe(200);
    expect(await auditCount()).toBe(audits + 2);
    expect((await getProject(auth, id)).metadata).toMatchObject({ public: "true", auto_scan: "true" });
  });

  it("refuses a Developer and a Guest (403), and writes nothing but the refusal", async () => {
    const owner = await createTestUser();
    const id = await createViaApi(basic(owner.username), uniqueName("noscan"));
    for (const roleId of [2, 3]) {
      const member = await createTestUser();
      await db.projectMember.create({ data: { projectId: id, userId: member.id, roleId } });
      const updates = await db.auditEvent.count({ where: { action: "project.update", projectId: id, result: "success" } });
      const res = await call(projectRoute.PUT, apiRequest(`/projects/${id}`, { method: "PUT", auth: basic(member.username), body: { metadata: { auto_scan: "true" } } }), byId(id));
      expect(res.status).toBe(403);
      expect((await errorOf(res)).code).toBe("FORBIDDEN");
      expect((await db.project.findUniqueOrThrow({ where: { id } })).autoScan).toBe(false);
      expect(await db.auditEvent.count({ where: { action: "project.update", projectId: id, result: "success" } })).toBe(updates);
      expect(await db.auditEvent.count({ where: { action: "project.update", projectId: id, result: "failure", actorName: member.username } })).toBe(1);
    }
  });

  it("refuses a value that is not a boolean (400)", async () => {
    const owner = await createTestUser();
    const id = await createViaApi(basic(owner.username), uniqueName("badscan"));
    const res = await call(projectRoute.PUT, apiRequest(`/projects/${id}`, { method: "PUT", auth: basic(owner.username), body: { metadata: { auto_scan: "yes" } } }), byId(id));
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toContain("metadata.auto_scan: Must be true or false");
  });
});

describe("projects API: listing", () => {
  it("pages on the server with X-Total-Count and Harbor's Link header", async () => {
    const owner = await createTestUser();
    const auth = basic(owner.username);
    const prefix = uniqueName("page");
    for (const suffix of ["a", "b", "c"]) await createViaApi(auth, `${prefix}-${suffix}`, suffix === "b");

    const list = (query: string) => call(projectsRoute.GET, apiRequest(`/projects?${query}`, { auth }), {});
    const middle = await list(`name=${prefix}&page=2&page_size=1`);
    expect(middle.status).toBe(200);
    expect(middle.headers.get("x-total-count")).toBe("3");
    expect(middle.headers.get("link")).toBe(
      `</api/v2.0/projects?name=${prefix}&page=1&page_size=1>; rel="prev" , </api/v2.0/projects?name=${prefix}&page=3&page_size=1>; rel="next"`,
    );
    expect(((await middle.json()) as Project[]).map((p) => p.name)).toEqual([`${prefix}-b`]);

    const last = await list(`name=${prefix}&page=3&page_size=1`);
    expect(last.headers.get("link")).toBe(`</api/v2.0/projects?name=${prefix}&page=2&page_size=1>; rel="prev"`);

    const all = await list(`name=${prefix}`);
    expect(all.headers.get("link")).toBeNull();
    expect(((await all.json()) as Project[]).map((p) => p.name)).toEqual([`${prefix}-a`, `${prefix}-b`, `${prefix}-c`]);

    const fuzzy = await list(`q=${encodeURIComponent(`name=~${prefix}`)}`);
    expect(fuzzy.headers.get("x-total-count")).toBe("3");
    const exact = await list(`q=${encodeURIComponent(`name=${prefix}-c`)}`);
    expect(exact.headers.get("x-total-count")).toBe("1");
    expect(((await exact.json()) as Project[])[0]?.name).toBe(`${prefix}-c`);

    const publicOnly = await list(`name=${prefix}&public=true`);
    expect(((await publicOnly.json()) as Project[]).map((p) => p.name)).toEqual([`${prefix}-b`]);
    const privateViaQ = await list(`name=${prefix}&q=public%3Dfalse`);
    expect(privateViaQ.headers.get("x-total-count")).toBe("2");
  });

  it("shows others only public projects; anonymous callers too", async () => {
    const owner = await createTestUser();
    const prefix = uniqueName("vis");
    await createViaApi(basic(owner.username), `${prefix}-private`, false);
    await createViaApi(basic(owner.username), `${prefix}-public`, "true");
    const stranger = await call(projectsRoute.GET, apiRequest(`/projects?name=${prefix}`, { auth: basic((await createTestUser()).username) }), {});
    const strangerRows = (await stranger.json()) as Project[];
    expect(strangerRows.map((p) => p.name)).toEqual([`${prefix}-public`]);
    expect(strangerRows[0]).toMatchObject({ current_user_role_id: 0, current_user_role_ids: [] });
    const anonymous = await call(projectsRoute.GET, apiRequest(`/projects?name=${prefix}`), {});
    expect(((await anonymous.json()) as Project[]).map((p) => p.name)).toEqual([`${prefix}-public`]);
  });

  it("refuses bad paging and unsupported filters with 400", async () => {
    for (const query of ["page_size=101", "page=0", "q=owner%3Dx", "public=maybe", "name=a&q=name%3D~b"]) {
      const res = await call(projectsRoute.GET, apiRequest(`/projects?${query}`), {});
      expect(res.status, query).toBe(400);
      expect((await errorOf(res)).code).toBe("BAD_REQUEST");
    }
  });
});

describe("projects API: refusals", () => {
  it("answers bad input with 400 naming Harbor's fields, and writes nothing", async () => {
    const auth = basic((await createTestUser()).username);
    const audits = await auditCount();
    const projects = await db.project.count();
    const res = await call(
      projectsRoute.POST,
      apiRequest("/projects", { method: "POST", auth, body: { project_name: "Bad Name", metadata: { public: "maybe", prevent_vul: "true", severity: "extreme", enable_content_trust: "true" }, registry_id: "three", cve_allowlist: { items: [{ cve_id: "not an id" }] } } }),
      {},
    );
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toContain("project_name: Use lowercase letters");
    expect(error.message).toContain("metadata.public: Must be true or false");
    expect(error.message).toContain("metadata.severity: Must be low, medium, high or critical");
    expect(error.message).toContain("metadata.enable_content_trust: is not supported by Wharf");
    expect(error.message).toContain("cve_allowlist.items[0].cve_id: must be a vulnerability id");
    expect(error.message).toContain("registry_id: Must be a registry endpoint id");
    expect(await db.project.count()).toBe(projects);
    expect(await auditCount()).toBe(audits);

    const missing = await call(projectsRoute.POST, apiRequest("/projects", { method: "POST", auth, body: {} }), {});
    expect((await errorOf(missing)).message).toBe("project_name: Project name is required");
  });

  it("answers malformed JSON and non-JSON bodies with 400/415, never 500", async () => {
    const auth = basic((await createTestUser()).username);
    const audits = await auditCount();
    const malformed = await call(projectsRoute.POST, apiRequest("/projects", { method: "POST", auth, body: '{"project_name": "x",' }), {});
    expect(malformed.status).toBe(400);
    expect(await errorOf(malformed)).toEqual({ code: "BAD_REQUEST", message: "The request body is not valid JSON." });
    const array = await call(projectsRoute.POST, apiRequest("/projects", { method: "POST", auth, body: "[1]" }), {});
    expect(array.status).toBe(400);
    const form = await call(
      projectsRoute.POST,
      apiRequest("/projects", { method: "POST", auth, body: "project_name=x", headers: { "content-type": "application/x-www-form-urlencoded" } }),
      {},
    );
    expect(form.status).toBe(415);
    expect(await auditCount()).toBe(audits);
  });

  it("asks anonymous callers to sign in (401, no Basic challenge for them)", async () => {
    const res = await call(projectsRoute.POST, apiRequest("/projects", { method: "POST", body: { project_name: uniqueName("anon") } }), {});
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBeNull();
    expect((await errorOf(res)).code).toBe("UNAUTHORIZED");
  });

  it("hides a private project from non-members (404) and asks anonymous callers to sign in (401)", async () => {
    const owner = await createTestUser();
    const name = uniqueName("secret");
    const id = await createViaApi(basic(owner.username), name);
    const stranger = basic((await createTestUser()).username);
    // The answer must read exactly like the one for a project that does not exist.
    const missing = await errorOf(await call(projectRoute.GET, apiRequest("/projects/2147483000", { auth: stranger }), byId(2147483000)));
    for (const res of [
      await call(projectRoute.GET, apiRequest(`/projects/${id}`, { auth: stranger }), byId(id)),
      await call(projectRoute.GET, apiRequest(`/projects/${name}`, { auth: stranger }), byId(name)),
      await call(projectRoute.PUT, apiRequest(`/projects/${id}`, { method: "PUT", auth: stranger, body: { metadata: { public: "true" } } }), byId(id)),
      await call(projectRoute.DELETE, apiRequest(`/projects/${id}`, { method: "DELETE", auth: stranger }), byId(id)),
      await call(membersRoute.GET, apiRequest(`/projects/${id}/members`, { auth: stranger }), byId(id)),
    ]) {
      expect(res.status).toBe(404);
      expect(await errorOf(res)).toEqual(missing);
    }
    expect((await call(projectRoute.GET, apiRequest(`/projects/${id}`), byId(id))).status).toBe(401);
    expect((await db.project.findUniqueOrThrow({ where: { id } })).isPublic).toBe(false);
    expect(JSON.stringify(missing)).not.toContain(name);
  });

  it("refuses a Developer who tries to delete the project (403), and keeps it", async () => {
    const owner = await createTestUser();
    const developer = await createTestUser();
    const id = await createViaApi(basic(owner.username), uniqueName("dev"));
    await db.projectMember.create({ data: { projectId: id, userId: developer.id, roleId: 2 } });
    const res = await call(projectRoute.DELETE, apiRequest(`/projects/${id}`, { method: "DELETE", auth: basic(developer.username) }), byId(id));
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe("FORBIDDEN");
    expect(await db.project.count({ where: { id } })).toBe(1);
  });

  it("refuses to delete a project that still holds repositories (412 PRECONDITION)", async () => {
    const owner = await createTestUser();
    const name = uniqueName("full");
    const id = await createViaApi(basic(owner.username), name);
    await db.repository.create({ data: { projectId: id, name: `${name}/app` } });
    const audits = await auditCount();
    const res = await call(projectRoute.DELETE, apiRequest(`/projects/${id}`, { method: "DELETE", auth: basic(owner.username) }), byId(id));
    expect(res.status).toBe(412);
    expect(await errorOf(res)).toMatchObject({ code: "PRECONDITION", message: expect.stringContaining("1 repository") });
    expect(await auditCount()).toBe(audits);
    expect(await db.project.count({ where: { id } })).toBe(1);
  });

  it("answers a taken name with 409", async () => {
    const auth = basic((await createTestUser()).username);
    const name = uniqueName("dup");
    await createViaApi(auth, name);
    const res = await call(projectsRoute.POST, apiRequest("/projects", { method: "POST", auth, body: { project_name: name } }), {});
    expect(res.status).toBe(409);
    expect((await errorOf(res)).code).toBe("CONFLICT");
  });
});

describe("all-digit project names", () => {
  it("are refused with a field message (REST and the shared schema): {project_name_or_id} would read them as an id", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const before = await auditCount();
    const res = await call(projectsRoute.POST, apiRequest("/projects", { method: "POST", auth: basic(admin.username), body: { project_name: "2024" } }), {});
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toBe("project_name: A project name cannot be all digits (add a letter, e.g. team-2024)");
    expect(await db.project.count({ where: { name: "2024" } })).toBe(0);
    expect(await auditCount()).toBe(before);
    expect(ZCreateProject.safeParse({ name: "007" }).error?.issues[0]?.message).toBe("A project name cannot be all digits (add a letter, e.g. team-2024)");
    expect(ZCreateProject.safeParse({ name: "team-2024" }).success).toBe(true);
  });
});
