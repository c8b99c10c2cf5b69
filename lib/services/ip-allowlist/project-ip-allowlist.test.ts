import { describe, expect, it, vi } from "vitest";

const REGISTRY_PORT = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryPort("project-ip-allowlist-tests-secret-key-01")));

import * as projectRoute from "@/app/api/v2.0/projects/[project_name_or_id]/route";
import * as projectsRoute from "@/app/api/v2.0/projects/route";
import { anonymousActor } from "@/lib/auth/actor";
import { CLIENT_IP_HEADER } from "@/lib/auth/client-address";
import { apiRequest, call, errorOf } from "@/lib/api/test-kit";
import { ForbiddenError, NotFoundError, ValidationError } from "@/lib/errors";
import { getProject } from "@/lib/services/projects/get-project";
import { updateProject } from "@/lib/services/projects/update-project";
import { createProject as createProjectAudited } from "@/lib/services/projects/create-project";
import { REGISTRY_SERVICE } from "@/lib/services/registry-auth/constants";
import { issueRegistryToken } from "@/lib/services/registry-auth/issue-token";
import { basic, createMember, createProject, createRobot } from "@/lib/services/registry-auth/test-fixtures";
import { actorFor, createTestUser, db } from "@/lib/testing/factories";
import { gatewayHarness } from "@/lib/testing/gateway-harness";
import { handleRegistryRequest } from "@/lib/gateway/gateway";
import { ZUpdateProjectIpAllowlist } from "@/lib/validation/projects";

/*
 * A project's own IP allowlist against Postgres, the REST routes and the real /v2 gateway (a
 * Distribution registry behind it). Addresses are the documentation ranges: 192.0.2.0/24 is
 * "the office", 198.51.100.7 is somewhere else. The client address reaches the services the way
 * Wharf's front hands it on (its X-Wharf-Client-IP header; actors carry it as client.ip).
 */
const harness = gatewayHarness({ registryPort: REGISTRY_PORT, external: "http://wharf.test:3000", name: "project-ip-allowlist" });
void harness;

const OFFICE = "192.0.2.0/24";
const INSIDE = "192.0.2.10";
const OUTSIDE = "198.51.100.7";

const at = <A extends { client: { ip: string | null; userAgent: string | null } }>(actor: A, ip: string | null): A => ({ ...actor, client: { ip, userAgent: "vitest" } });

async function projectWithAdmin({ isPublic = false } = {}) {
  const project = await createProject({ isPublic });
  const projectAdmin = await createMember(project.id, 1);
  return { project, projectAdmin, actor: actorFor(projectAdmin) };
}

const updateRows = (projectId: number) => db.auditEvent.findMany({ where: { projectId, action: "project.update" }, orderBy: { id: "asc" } });

describe("a project's IP allowlist: saving it", () => {
  it("a Project Admin saves one (one project.update row, before and after); one leaving out their own address is refused at its field, nothing saved", async () => {
    const { project, actor } = await projectWithAdmin();
    await updateProject({ actor: at(actor, INSIDE), input: { projectId: project.id, ipAllowlist: [OFFICE, "2001:db8::/32"] } });
    expect((await db.project.findUniqueOrThrow({ where: { id: project.id } })).ipAllowlist).toEqual([OFFICE, "2001:db8::/32"]);
    const rows = await updateRows(project.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ result: "success", detail: { before: { ip_allowlist: [] }, after: { ip_allowlist: [OFFICE, "2001:db8::/32"] } } });

    const error = await updateProject({ actor: at(actor, INSIDE), input: { projectId: project.id, ipAllowlist: ["10.0.0.0/8"] } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fieldErrors.ipAllowlist).toEqual([
      `Your own address (${INSIDE}) is not in the list: add it, or a range holding it, so you can still reach this project`,
    ]);
    expect((await db.project.findUniqueOrThrow({ where: { id: project.id } })).ipAllowlist).toEqual([OFFICE, "2001:db8::/32"]);
    expect(await updateRows(project.id)).toHaveLength(1);
    // Saving the same list again changes nothing and writes nothing.
    await updateProject({ actor: at(actor, INSIDE), input: { projectId: project.id, ipAllowlist: [OFFICE, "2001:db8::/32"] } });
    expect(await updateRows(project.id)).toHaveLength(1);
  });

  it("the form's text is one entry per line; each bad entry is named", () => {
    expect(ZUpdateProjectIpAllowlist.parse({ projectId: "3", ipAllowlist: ` ${OFFICE}\n\n10.1.0.0/16, ${OFFICE}` })).toEqual({ projectId: 3, ipAllowlist: [OFFICE, "10.1.0.0/16"] });
    const bad = ZUpdateProjectIpAllowlist.safeParse({ projectId: "3", ipAllowlist: "10.0.0.0/8\nnot-an-address" });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.message)).toEqual([`"not-an-address" is not an IP address or CIDR range (e.g. 10.0.0.0/8, 2001:db8::/32)`]);
  });

  it("an administrator is not bound by project lists: theirs is saved from anywhere, and they reach the project from outside it", async () => {
    const { project } = await projectWithAdmin();
    const admin = actorFor(await createTestUser({ isAdmin: true }));
    await updateProject({ actor: at(admin, OUTSIDE), input: { projectId: project.id, ipAllowlist: [OFFICE] } });
    await expect(getProject({ actor: at(admin, OUTSIDE), project: String(project.id) })).resolves.toMatchObject({ id: project.id, ipAllowlist: [OFFICE] });
  });
});

describe("a project's IP allowlist: who reaches the project", () => {
  it("a member inside the list reads the project; from outside they are refused with the reason and one failure row; a non-member outside still gets not-found", async () => {
    const { project, actor } = await projectWithAdmin();
    await updateProject({ actor: at(actor, INSIDE), input: { projectId: project.id, ipAllowlist: [OFFICE] } });
    const developer = actorFor(await createMember(project.id, 2));
    await expect(getProject({ actor: at(developer, INSIDE), project: String(project.id) })).resolves.toMatchObject({ id: project.id });

    const refused = await getProject({ actor: at(developer, OUTSIDE), project: String(project.id) }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ForbiddenError);
    const reason = `Access to project ${project.name} from ${OUTSIDE} is not allowed by the project's IP allowlist. Ask a Project Admin to add your address.`;
    expect((refused as ForbiddenError).message).toBe(reason);
    const failures = await db.auditEvent.findMany({ where: { projectId: project.id, result: "failure", actorName: developer.username } });
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ reason, clientIp: OUTSIDE });

    // Someone who could not read the private project anyway learns nothing new.
    const stranger = actorFor(await createTestUser());
    await expect(getProject({ actor: at(stranger, OUTSIDE), project: String(project.id) })).rejects.toBeInstanceOf(NotFoundError);
    // An unknown address is outside every list.
    await expect(getProject({ actor: at(developer, null), project: String(project.id) })).rejects.toBeInstanceOf(ForbiddenError);

    // Emptied, the list admits everyone again.
    await updateProject({ actor: at(actor, INSIDE), input: { projectId: project.id, ipAllowlist: [] } });
    await expect(getProject({ actor: at(developer, OUTSIDE), project: String(project.id) })).resolves.toMatchObject({ id: project.id });
  });

  it("binds anonymous readers of a public project too", async () => {
    const { project, actor } = await projectWithAdmin({ isPublic: true });
    await updateProject({ actor: at(actor, INSIDE), input: { projectId: project.id, ipAllowlist: [OFFICE] } });
    await expect(getProject({ actor: anonymousActor({ ip: INSIDE, userAgent: null }), project: String(project.id) })).resolves.toMatchObject({ id: project.id });
    await expect(getProject({ actor: anonymousActor({ ip: OUTSIDE, userAgent: null }), project: String(project.id) })).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("a project created with a list (its creator inside it) is bound from the start; a creator outside their own list is refused, nothing created", async () => {
    const creator = actorFor(await createTestUser());
    const name = `ipl-${Date.now().toString(36)}`;
    await createProjectAudited({ actor: at(creator, INSIDE), input: { name, isPublic: false, ipAllowlist: [OFFICE] } });
    const created = await db.project.findUniqueOrThrow({ where: { name } });
    expect(created.ipAllowlist).toEqual([OFFICE]);
    expect((await db.auditEvent.findFirstOrThrow({ where: { projectId: created.id, action: "project.create" } })).detail).toMatchObject({ ip_allowlist: [OFFICE] });
    await expect(getProject({ actor: at(creator, OUTSIDE), project: name, byName: true })).rejects.toBeInstanceOf(ForbiddenError);

    const other = `${name}-x`;
    await expect(createProjectAudited({ actor: at(creator, OUTSIDE), input: { name: other, isPublic: false, ipAllowlist: [OFFICE] } })).rejects.toBeInstanceOf(ValidationError);
    expect(await db.project.findUnique({ where: { name: other } })).toBeNull();
  });
});

describe("a project's IP allowlist over REST", () => {
  it("PUT metadata.ip_allowlist sets and clears it, GET shows it; a bad entry or a lockout is a 400 naming metadata.ip_allowlist, nothing saved", async () => {
    const { project, projectAdmin } = await projectWithAdmin();
    const put = (metadata: Record<string, unknown>, ip = INSIDE) =>
      call(projectRoute.PUT, apiRequest(`/projects/${project.id}`, { method: "PUT", auth: basic(projectAdmin.username), headers: { [CLIENT_IP_HEADER]: ip }, body: { metadata } }), {
        project_name_or_id: String(project.id),
      });
    const get = (ip = INSIDE) =>
      call(projectRoute.GET, apiRequest(`/projects/${project.id}`, { auth: basic(projectAdmin.username), headers: { [CLIENT_IP_HEADER]: ip } }), { project_name_or_id: String(project.id) });

    expect(((await (await get()).json()) as { metadata: Record<string, string> }).metadata).not.toHaveProperty("ip_allowlist");
    expect((await put({ ip_allowlist: `${OFFICE}, 2001:db8::/32` })).status).toBe(200);
    expect(((await (await get()).json()) as { metadata: Record<string, string> }).metadata.ip_allowlist).toBe(`${OFFICE},2001:db8::/32`);

    const bad = await put({ ip_allowlist: `${OFFICE},300.1.1.1` });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toContain(`metadata.ip_allowlist: "300.1.1.1" is not an IP address or CIDR range`);
    const lockout = await put({ ip_allowlist: "10.0.0.0/8" });
    expect(lockout.status).toBe(400);
    expect((await errorOf(lockout)).message).toBe(
      `metadata.ip_allowlist: Your own address (${INSIDE}) is not in the list: add it, or a range holding it, so you can still reach this project`,
    );
    expect((await db.project.findUniqueOrThrow({ where: { id: project.id } })).ipAllowlist).toEqual([OFFICE, "2001:db8::/32"]);

    // From outside, the project's own REST answers 403 with the reason.
    const outside = await get(OUTSIDE);
    expect(outside.status).toBe(403);
    expect((await errorOf(outside)).message).toContain("is not allowed by the project's IP allowlist");

    expect((await put({ ip_allowlist: "" })).status).toBe(200);
    expect((await db.project.findUniqueOrThrow({ where: { id: project.id } })).ipAllowlist).toEqual([]);
  });

  it("POST /projects takes metadata.ip_allowlist", async () => {
    const creator = await createTestUser();
    const name = `iplrest-${Date.now().toString(36)}`;
    const res = await call(
      projectsRoute.POST,
      apiRequest("/projects", { method: "POST", auth: basic(creator.username), headers: { [CLIENT_IP_HEADER]: INSIDE }, body: { project_name: name, metadata: { ip_allowlist: OFFICE } } }),
      {},
    );
    expect(res.status).toBe(201);
    expect((await db.project.findUniqueOrThrow({ where: { name } })).ipAllowlist).toEqual([OFFICE]);
  });
});

describe("a project's IP allowlist at the /v2 gateway", () => {
  async function v2(path: string, { token, ip, method = "GET" }: { token: string; ip: string; method?: string }) {
    return handleRegistryRequest(
      new Request(`http://wharf.test:3000${path}`, { method, headers: { authorization: `Bearer ${token}`, [CLIENT_IP_HEADER]: ip, "user-agent": "skopeo/1.9.3" } }),
    );
  }
  async function tokenFor(authorization: string, repository: string, ip: string) {
    return (await issueRegistryToken({ authorization, service: REGISTRY_SERVICE, scopes: [`repository:${repository}:pull,push`], client: { ip, userAgent: "skopeo/1.9.3" } })).token;
  }

  it("a member and a robot pull and push from inside; from outside every request is a 403 DENIED with the reason (a token got inside too), a manifest GET one failure row; the catalog leaves the project out", async () => {
    const { project, actor } = await projectWithAdmin();
    const developer = await createMember(project.id, 2);
    const robot = await createRobot(project, ["repository:pull", "repository:push"]);
    const repository = `${project.name}/app`;
    await updateProject({ actor: at(actor, INSIDE), input: { projectId: project.id, ipAllowlist: [OFFICE] } });

    for (const authorization of [basic(developer.username), basic(robot.name, robot.secret)]) {
      const token = await tokenFor(authorization, repository, INSIDE);
      // Inside: authorized, and the registry answers (the tag does not exist).
      const inside = await v2(`/v2/${repository}/manifests/latest`, { token, ip: INSIDE });
      expect(inside.status).toBe(404);
      const upload = await v2(`/v2/${repository}/blobs/uploads/`, { token, ip: INSIDE, method: "POST" });
      expect(upload.status).toBe(202);

      // The same token from outside.
      for (const [path, method] of [
        [`/v2/${repository}/manifests/latest`, "GET"],
        [`/v2/${repository}/blobs/uploads/`, "POST"],
      ] as const) {
        const res = await v2(path, { token, ip: OUTSIDE, method });
        expect(res.status, `${method} ${path}`).toBe(403);
        const body = (await res.json()) as { errors: { code: string; message: string }[] };
        expect(body.errors[0]).toEqual({
          code: "DENIED",
          message: `Access to project ${project.name} from ${OUTSIDE} is not allowed by the project's IP allowlist. Ask a Project Admin to add your address.`,
        });
      }
    }
    const pullRefusals = await db.auditEvent.findMany({ where: { projectId: project.id, result: "failure", action: "artifact.pull", clientIp: OUTSIDE } });
    expect(pullRefusals.length).toBeGreaterThanOrEqual(2);
    expect(pullRefusals.every((row) => row.reason?.includes("IP allowlist"))).toBe(true);

    // The catalog: listed from inside, left out from outside.
    const token = (await issueRegistryToken({ authorization: basic(developer.username), service: REGISTRY_SERVICE, scopes: [], client: { ip: INSIDE, userAgent: null } })).token;
    await db.repository.create({ data: { projectId: project.id, name: repository } });
    const listed = async (ip: string) => ((await (await v2("/v2/_catalog?n=1000", { token, ip })).json()) as { repositories: string[] }).repositories;
    expect(await listed(INSIDE)).toContain(repository);
    expect(await listed(OUTSIDE)).not.toContain(repository);
  });

  it("an administrator pushes from outside a project's list", async () => {
    const { project, actor } = await projectWithAdmin();
    await updateProject({ actor: at(actor, INSIDE), input: { projectId: project.id, ipAllowlist: [OFFICE] } });
    const admin = await createTestUser({ isAdmin: true });
    const token = await tokenFor(basic(admin.username), `${project.name}/app`, OUTSIDE);
    expect((await v2(`/v2/${project.name}/app/blobs/uploads/`, { token, ip: OUTSIDE, method: "POST" })).status).toBe(202);
  });
});
