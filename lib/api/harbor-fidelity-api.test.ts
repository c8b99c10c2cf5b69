import path from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";

// As in repositories-api.test.ts: the registry port and external URL are read once by getServerEnv().
const REGISTRY_PORT = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryPort("harbor-fidelity-api-tests-secret-key-0123456789")));

import * as buildHistoryRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/additions/build_history/route";
import * as vulnerabilitiesRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/additions/vulnerabilities/route";
import * as artifactRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/route";
import * as tagsRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/tags/route";
import * as artifactsRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/route";
import * as repositoryRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/route";
import * as repositoriesRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/route";
import * as projectRoute from "@/app/api/v2.0/projects/[project_name_or_id]/route";
import * as projectsRoute from "@/app/api/v2.0/projects/route";
import * as robotRoute from "@/app/api/v2.0/robots/[robot_id]/route";
import * as auditLogsRoute from "@/app/api/v2.0/audit-logs/route";
import * as robotsRoute from "@/app/api/v2.0/robots/route";
import * as usersRoute from "@/app/api/v2.0/users/route";
import * as membersRoute from "@/app/api/v2.0/projects/[project_name_or_id]/members/route";
import * as searchRoute from "@/app/api/v2.0/search/route";
import * as cveAllowlistRoute from "@/app/api/v2.0/system/CVEAllowlist/route";
import * as currentUserRoute from "@/app/api/v2.0/users/current/route";
import * as userSearchRoute from "@/app/api/v2.0/users/search/route";
import { apiRequest, basic, call, errorOf } from "@/lib/api/test-kit";
import { OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { createMember, createProject, db } from "@/lib/services/registry-auth/test-fixtures";
import { createTestUser } from "@/lib/testing/factories";
import { gatewayHarness } from "@/lib/testing/gateway-harness";
import { harborListShapeErrors, harborShapeErrors } from "@/lib/testing/harbor-swagger";
import { writeOciAccessoryLayout, writeOciIndexLayout } from "@/lib/testing/oci-layout";

const h = gatewayHarness({ registryPort: REGISTRY_PORT, external: "http://wharf.test:3000", name: "harbor-fidelity-api" });

const ZERO_TIME = "0001-01-01T00:00:00.000Z";

type Link = { href: string; absolute: boolean };
type Tag = { id: number; repository_id: number; artifact_id: number; name: string; pull_time: string };
type Artifact = {
  id: number;
  type: string;
  digest: string;
  icon: string;
  pull_time: string;
  annotations: Record<string, string>;
  references: { parent_id: number; child_id?: number; child_digest: string; platform: Record<string, string> }[];
  tags: Tag[] | null;
  addition_links: Record<string, Link>;
  labels: unknown[];
  accessories: unknown[];
  scan_overview: Record<string, unknown>;
};

let f: { admin: string; adminName: string; project: string; guest: string; outsider: string; image: string; index: string; children: string[] };

beforeAll(async () => {
  const project = await createProject();
  const maintainer = await createMember(project.id, 4);
  const guest = await createMember(project.id, 3);
  const outsider = await createTestUser();
  const admin = await createTestUser({ isAdmin: true });
  const app = `${project.name}/team/app`;
  const { image } = await h.pushImage(await h.tokenFor(maintainer.username, app), app, ["1.0"]);

  const dir = path.join(h.tmp, "multi");
  const index = await writeOciIndexLayout(dir, {
    tag: "multi",
    platforms: [
      { os: "linux", architecture: "amd64" },
      { os: "linux", architecture: "arm64", variant: "v8" },
    ],
    annotations: { "org.opencontainers.image.source": "https://example.com/multi" },
  });
  const multi = `${project.name}/multi`;
  await h.stage(index.ref, multi, index.indexDigest);
  await h.putManifest(await h.tokenFor(maintainer.username, multi), multi, "2.0", await h.blobBytes(dir, index.indexDigest), OCI_IMAGE_INDEX);
  f = { admin: basic(admin.username), adminName: admin.username, project: project.name, guest: basic(guest.username), outsider: basic(outsider.username), image: image.manifestDigest, index: index.indexDigest, children: index.childDigests };
}, 120_000);

const APP = "team%2Fapp";
const params = (repository_name: string) => ({ project_name_or_id: f.project, repository_name });
const artParams = (repository_name: string, reference: string) => ({ project_name_or_id: f.project, repository_name, reference });
const base = (repository_name: string) => `/projects/${f.project}/repositories/${encodeURIComponent(repository_name)}`;

async function getArtifact(repository_name: string, reference: string, auth = f.guest): Promise<Artifact> {
  const res = await call(artifactRoute.GET, apiRequest(`${base(repository_name)}/artifacts/${reference}`, { auth }), { ...params(repository_name), reference });
  expect(res.status).toBe(200);
  return (await res.json()) as Artifact;
}

async function listArtifacts(repository_name: string): Promise<Artifact[]> {
  const res = await call(artifactsRoute.GET, apiRequest(`${base(repository_name)}/artifacts`, { auth: f.guest }), params(repository_name));
  expect(res.status).toBe(200);
  return (await res.json()) as Artifact[];
}

describe("Harbor's Artifact and Tag fields", () => {
  it("an image answers its ids, Harbor's empty values and addition links to build_history and vulnerabilities", async () => {
    const row = await db.artifact.findFirstOrThrow({ where: { digest: f.image, repository: { name: `${f.project}/team/app` } }, select: { id: true, repositoryId: true } });
    const tag = await db.tag.findFirstOrThrow({ where: { artifactId: row.id, name: "1.0" }, select: { id: true } });
    const prefix = `/api/v2.0/projects/${f.project}/repositories/team%252Fapp/artifacts/${f.image}/additions`;
    for (const a of [await getArtifact(APP, "1.0"), (await listArtifacts(APP))[0]!]) {
      expect(a).toMatchObject({ id: row.id, type: "IMAGE", icon: "", pull_time: ZERO_TIME, labels: [], scan_overview: {}, references: [], annotations: {} });
      expect(a.addition_links).toEqual({
        build_history: { href: `${prefix}/build_history`, absolute: false },
        vulnerabilities: { href: `${prefix}/vulnerabilities`, absolute: false },
      });
      expect(a.tags).toEqual([expect.objectContaining({ id: tag.id, artifact_id: row.id, repository_id: row.repositoryId, name: "1.0", pull_time: ZERO_TIME })]);
    }
    const tags = await call(tagsRoute.GET, apiRequest(`${base(APP)}/artifacts/1.0/tags`, { auth: f.guest }), artParams(APP, "1.0"));
    expect(((await tags.json()) as Tag[]).map((t) => [t.id, t.artifact_id])).toEqual([[tag.id, row.id]]);
  });

  it("the links lead where they say: build_history answers the history, vulnerabilities the (empty, never scanned) report map", async () => {
    const links = (await getArtifact(APP, f.image)).addition_links;
    // The href's repository segment is %252F-encoded as Harbor's; Next decodes the path once.
    const segment = (href: string) => decodeURIComponent(href.split("/repositories/")[1]!.split("/artifacts/")[0]!);
    const history = await call(buildHistoryRoute.GET, apiRequest(links.build_history!.href.slice("/api/v2.0".length), { auth: f.guest }), artParams(segment(links.build_history!.href), f.image));
    expect(history.status).toBe(200);
    expect(((await history.json()) as unknown[]).length).toBeGreaterThan(0);

    const vulnerabilities = await call(vulnerabilitiesRoute.GET, apiRequest(links.vulnerabilities!.href.slice("/api/v2.0".length), { auth: f.guest }), artParams(segment(links.vulnerabilities!.href), f.image));
    expect(vulnerabilities.status).toBe(200);
    expect(await vulnerabilities.json()).toEqual({});

    // Authorization comes first: a non-member of the private project learns nothing more.
    const outsider = await call(vulnerabilitiesRoute.GET, apiRequest(`${base(APP)}/artifacts/${f.image}/additions/vulnerabilities`, { auth: f.outsider }), artParams(APP, f.image));
    expect(outsider.status).toBe(404);
    expect(await errorOf(outsider)).toMatchObject({ code: "NOT_FOUND" });
  });

  it("an index answers its children as references, its annotations, and a vulnerabilities link only", async () => {
    const parent = await db.artifact.findFirstOrThrow({ where: { digest: f.index, repository: { name: `${f.project}/multi` } }, select: { id: true } });
    const children = await db.artifact.findMany({ where: { digest: { in: f.children }, repository: { name: `${f.project}/multi` } }, select: { id: true, digest: true } });
    const childId = new Map(children.map((c) => [c.digest, c.id]));
    const expected = [
      { digest: f.children[0]!, platform: { os: "linux", architecture: "amd64" } },
      { digest: f.children[1]!, platform: { os: "linux", architecture: "arm64", variant: "v8" } },
    ].map((c) => ({ parent_id: parent.id, ...(childId.has(c.digest) ? { child_id: childId.get(c.digest) } : {}), child_digest: c.digest, platform: c.platform }));
    const rows = await listArtifacts("multi");
    const listed = rows.find((a) => a.digest === f.index)!;
    for (const a of [await getArtifact("multi", "2.0"), listed]) {
      expect(a).toMatchObject({ id: parent.id, type: "INDEX", annotations: { "org.opencontainers.image.source": "https://example.com/multi" }, accessories: [] });
      expect(a.references).toEqual(expected);
      expect(Object.keys(a.addition_links)).toEqual(["vulnerabilities"]);
    }
  });
});

/** q with `=`, `~`, `/` and `,` percent-encoded inside it, as Harbor clients' q builders send it. */
const encodedInside = (q: string) => q.replace(/[=~/,]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

describe("q is URL-decoded a second time, as Harbor's q builder does", () => {
  type Case = { name: string; path: string; q: string; get: (path: string) => Promise<Response>; expected: (body: unknown[]) => void };
  const cases = (): Case[] => [
    {
      name: "projects",
      path: "/projects",
      q: `name=~${f.project.slice(0, -1)},public=false`,
      get: (path) => call(projectsRoute.GET, apiRequest(path, { auth: f.guest }), {}),
      expected: (body) => expect(body.map((p) => (p as { name: string }).name)).toEqual([f.project]),
    },
    {
      name: "repositories",
      path: `/projects/${f.project}/repositories`,
      q: "name=~team/ap",
      get: (path) => call(repositoriesRoute.GET, apiRequest(path, { auth: f.guest }), { project_name_or_id: f.project }),
      expected: (body) => expect(body.map((r) => (r as { name: string }).name)).toEqual([`${f.project}/team/app`]),
    },
    {
      name: "artifacts",
      path: `${base(APP)}/artifacts`,
      q: "tags=~1.",
      get: (path) => call(artifactsRoute.GET, apiRequest(path, { auth: f.guest }), params(APP)),
      expected: (body) => expect(body.map((a) => (a as Artifact).digest)).toEqual([f.image]),
    },
    {
      name: "users",
      path: "/users",
      q: `username=~${f.adminName}`,
      get: (path) => call(usersRoute.GET, apiRequest(path, { auth: f.admin }), {}),
      expected: (body) => expect(body.map((u) => (u as { username: string }).username)).toEqual([f.adminName]),
    },
    {
      name: "robots",
      path: "/robots",
      q: "level=system",
      get: (path) => call(robotsRoute.GET, apiRequest(path, { auth: f.admin }), {}),
      expected: (body) => expect(body.every((r) => (r as { level: string }).level === "system")).toBe(true),
    },
    {
      name: "audit logs",
      path: "/audit-logs",
      q: `username=${f.adminName},resource_type=user`,
      get: (path) => call(auditLogsRoute.GET, apiRequest(path, { auth: f.admin }), {}),
      expected: (body) => expect(body).toEqual([]),
    },
  ];

  it("every route that takes q answers the same whether the client encodes =, ~, / and , inside q or not", async () => {
    for (const c of cases()) {
      const plain = await c.get(`${c.path}?q=${encodeURIComponent(c.q)}`);
      const encoded = await c.get(`${c.path}?q=${encodeURIComponent(encodedInside(c.q))}`);
      expect([plain.status, encoded.status], c.name).toEqual([200, 200]);
      const [a, b] = [(await plain.json()) as unknown[], (await encoded.json()) as unknown[]];
      c.expected(a);
      expect(b, c.name).toEqual(a);
      expect(encoded.headers.get("x-total-count"), c.name).toBe(plain.headers.get("x-total-count"));
    }
  });

  it("a % that is no escape stays a literal % (and a bad key inside encoded q is still a 400)", async () => {
    const literal = await call(projectsRoute.GET, apiRequest(`/projects?q=${encodeURIComponent("name=~%zz")}`, { auth: f.guest }), {});
    expect(literal.status).toBe(200);
    expect(await literal.json()).toEqual([]);
    const bad = await call(projectsRoute.GET, apiRequest(`/projects?q=${encodeURIComponent(encodedInside("owner=x"))}`, { auth: f.guest }), {});
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toContain('unsupported key "owner"');
  });
});

describe("Harbor's Project, Repository and Robot fields", () => {
  it("a project answers Harbor's empty CVE allowlist, registry_id 0 (Harbor's none), and togglable for a project admin or administrator only", async () => {
    const project = await db.project.findUniqueOrThrow({ where: { name: f.project }, select: { id: true } });
    const asGuest = await call(projectRoute.GET, apiRequest(`/projects/${f.project}`, { auth: f.guest, headers: { "X-Is-Resource-Name": "true" } }), { project_name_or_id: f.project });
    expect(asGuest.status).toBe(200);
    expect(await asGuest.json()).toMatchObject({
      project_id: project.id,
      registry_id: 0,
      togglable: false,
      cve_allowlist: { id: 0, project_id: project.id, items: [], creation_time: ZERO_TIME, update_time: ZERO_TIME },
    });
    const asAdmin = await call(projectsRoute.GET, apiRequest(`/projects?q=${encodeURIComponent(`name=${f.project}`)}`, { auth: f.admin }), {});
    expect(((await asAdmin.json()) as { togglable: boolean }[]).map((p) => p.togglable)).toEqual([true]);
  });

  it("repository list items answer creation_time and description", async () => {
    const row = await db.repository.findFirstOrThrow({ where: { name: `${f.project}/team/app` }, select: { createdAt: true } });
    await db.repository.updateMany({ where: { name: `${f.project}/team/app` }, data: { description: "# App" } });
    const res = await call(repositoriesRoute.GET, apiRequest(`/projects/${f.project}/repositories?q=${encodeURIComponent("name=~team")}`, { auth: f.guest }), { project_name_or_id: f.project });
    expect(await res.json()).toEqual([expect.objectContaining({ name: `${f.project}/team/app`, description: "# App", creation_time: row.createdAt.toISOString() })]);
  });

  it("a robot answers creator_ref (the creating user's id) and update_time", async () => {
    const admin = await db.user.findUniqueOrThrow({ where: { username: f.adminName }, select: { id: true } });
    const created = await call(
      robotsRoute.POST,
      apiRequest("/robots", {
        method: "POST",
        auth: f.admin,
        body: { name: `fid${Date.now().toString(36)}`, level: "system", duration: 7, permissions: [{ kind: "project", namespace: f.project, access: [{ resource: "repository", action: "pull" }] }] },
      }),
      {},
    );
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: number };
    const stored = await db.robot.findUniqueOrThrow({ where: { id }, select: { updatedAt: true } });
    const res = await call(robotRoute.GET, apiRequest(`/robots/${id}`, { auth: f.admin }), { robot_id: String(id) });
    expect(await res.json()).toMatchObject({ id, creator_type: "local", creator_ref: admin.id, update_time: stored.updatedAt.toISOString() });
  });
});

describe("Harbor's q keys for robots and repositories, and metadata:list", () => {
  const robotBody = (name: string, access: { resource: string; action: string }[]) => ({
    name,
    level: "project",
    duration: 7,
    permissions: [{ kind: "project", namespace: f.project, access }],
  });
  const createRobot = (auth: string, body: unknown) => call(robotsRoute.POST, apiRequest("/robots", { method: "POST", auth, body }), {});
  const listRobots = async (q: string, auth = f.admin) => {
    const res = await call(robotsRoute.GET, apiRequest(`/robots?q=${encodeURIComponent(q)}`, { auth }), {});
    expect(res.status, q).toBe(200);
    return ((await res.json()) as { name: string }[]).map((r) => r.name);
  };

  it("a robot may hold metadata:list (Harbor's robot permission map), granted by a project admin", async () => {
    const project = await db.project.findUniqueOrThrow({ where: { name: f.project }, select: { id: true } });
    const projectAdmin = await createMember(project.id, 1);
    const access = [{ resource: "metadata", action: "list" }, { resource: "repository", action: "pull" }];
    const created = await createRobot(basic(projectAdmin.username), robotBody("metalist", access));
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: number };
    const shown = await call(robotRoute.GET, apiRequest(`/robots/${id}`, { auth: f.admin }), { robot_id: String(id) });
    expect(((await shown.json()) as { permissions: { access: { resource: string; action: string }[] }[] }).permissions[0]!.access).toEqual(
      expect.arrayContaining([expect.objectContaining({ resource: "metadata", action: "list" })]),
    );
  });

  it("robots: Level/level, ProjectID/project_id and name=, name=~ select as Harbor's", async () => {
    const project = await db.project.findUniqueOrThrow({ where: { name: f.project }, select: { id: true } });
    for (const name of ["qa-one", "qa-two"]) expect((await createRobot(f.admin, robotBody(name, [{ resource: "repository", action: "pull" }]))).status).toBe(201);
    const one = `robot$${f.project}+qa-one`;
    expect(await listRobots(`Level=project,ProjectID=${project.id},name=~qa-`)).toEqual([one, `robot$${f.project}+qa-two`]);
    expect(await listRobots(`level=project,project_id=${project.id},name=~qa-`)).toEqual([one, `robot$${f.project}+qa-two`]);
    expect(await listRobots(`project_id=${project.id},name=${one}`)).toEqual([one]);
    expect(await listRobots(`project_id=${project.id},name=${f.project}+qa-one`)).toEqual([one]);
    expect(await listRobots(`Level=system,name=~qa-`)).toEqual([]);
    const both = await call(robotsRoute.GET, apiRequest(`/robots?q=${encodeURIComponent(`ProjectID=${project.id},project_id=${project.id}`)}`, { auth: f.admin }), {});
    expect(both.status).toBe(400);
  });

  it("repositories: name=<name> matches the whole name (with or without the project), name=~ a part", async () => {
    const list = async (q: string) => {
      const res = await call(repositoriesRoute.GET, apiRequest(`/projects/${f.project}/repositories?q=${encodeURIComponent(q)}`, { auth: f.guest }), { project_name_or_id: f.project });
      expect(res.status, q).toBe(200);
      return ((await res.json()) as { name: string }[]).map((r) => r.name);
    };
    expect(await list("name=team/app")).toEqual([`${f.project}/team/app`]);
    expect(await list(`name=${f.project}/team/app`)).toEqual([`${f.project}/team/app`]);
    expect(await list("name=team")).toEqual([]);
    expect(await list("name=~eam/a")).toEqual([`${f.project}/team/app`]);
    // project_id as Harbor clients send it beside the path's project (the path decides, as in Harbor).
    const project = await db.project.findUniqueOrThrow({ where: { name: f.project }, select: { id: true } });
    expect(await list(`project_id=${project.id},name=~eam/a`)).toEqual([`${f.project}/team/app`]);
    const bad = await call(repositoriesRoute.GET, apiRequest(`/projects/${f.project}/repositories?q=${encodeURIComponent("project_id=abc")}`, { auth: f.guest }), { project_name_or_id: f.project });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toContain("q: project_id");
  });
});

describe("every answer against Harbor's swagger definitions", () => {
  const get = async <P,>(handler: Parameters<typeof call<P>>[0], path: string, params: P, auth = f.guest) => {
    const res = await call(handler, apiRequest(path, { auth }), params);
    expect(res.status, path).toBe(200);
    return res.json() as Promise<unknown>;
  };

  it("Artifact, Tag, Repository, Project and Robot answers carry every field Harbor's do, with Harbor's types", async () => {
    const project = await db.project.findUniqueOrThrow({ where: { name: f.project }, select: { id: true } });
    const robot = await db.robot.findFirstOrThrow({ where: { projectId: project.id }, select: { id: true } });
    const errors = [
      ...harborListShapeErrors("Artifact", await get(artifactsRoute.GET, `${base(APP)}/artifacts?with_tag=true`, params(APP))),
      ...harborListShapeErrors("Artifact", await get(artifactsRoute.GET, `${base("multi")}/artifacts`, params("multi"))),
      ...harborShapeErrors("Artifact", await get(artifactRoute.GET, `${base("multi")}/artifacts/2.0`, artParams("multi", "2.0"))),
      ...harborListShapeErrors("Tag", await get(tagsRoute.GET, `${base(APP)}/artifacts/1.0/tags`, artParams(APP, "1.0"))),
      ...harborListShapeErrors("Repository", await get(repositoriesRoute.GET, `/projects/${f.project}/repositories`, { project_name_or_id: f.project })),
      ...harborShapeErrors("Repository", await get(repositoryRoute.GET, base(APP), params(APP))),
      ...harborListShapeErrors("Project", await get(projectsRoute.GET, "/projects", {}, f.admin)),
      ...harborShapeErrors("Project", await get(projectRoute.GET, `/projects/${project.id}`, { project_name_or_id: String(project.id) })),
      ...harborListShapeErrors("Robot", await get(robotsRoute.GET, `/robots?q=${encodeURIComponent(`level=project,project_id=${project.id}`)}`, {}, f.admin)),
      ...harborShapeErrors("Robot", await get(robotRoute.GET, `/robots/${robot.id}`, { robot_id: String(robot.id) }, f.admin)),
    ];
    expect(errors).toEqual([]);
  });

  it("audit logs, members, search, the system CVE allowlist and users answer Harbor's AuditLog, ProjectMemberEntity, Search, CVEAllowlist, UserResp and UserSearchRespItem", async () => {
    const project = await db.project.findUniqueOrThrow({ where: { name: f.project }, select: { id: true } });
    const errors = [
      ...harborListShapeErrors("AuditLog", await get(auditLogsRoute.GET, "/audit-logs?page_size=5", {}, f.admin)),
      ...harborListShapeErrors("ProjectMemberEntity", await get(membersRoute.GET, `/projects/${project.id}/members`, { project_name_or_id: String(project.id) }, f.admin)),
      ...harborShapeErrors("Search", await get(searchRoute.GET, `/search?q=${f.project}`, {}, f.admin)),
      ...harborShapeErrors("CVEAllowlist", await get(cveAllowlistRoute.GET, "/system/CVEAllowlist", {}, f.admin)),
      ...harborShapeErrors("UserResp", await get(currentUserRoute.GET, "/users/current", {}, f.admin)),
      ...harborListShapeErrors("UserResp", await get(usersRoute.GET, "/users?page_size=5", {}, f.admin)),
      ...harborListShapeErrors("UserSearchRespItem", await get(userSearchRoute.GET, `/users/search?username=${f.adminName}`, {}, f.admin)),
    ];
    expect(errors).toEqual([]);
  });

  it("an artifact's accessories: Harbor's Accessory fields, and Harbor's types for a cosign signature and a notation signature", async () => {
    const repository = `${f.project}/signed`;
    const token = await h.tokenFor(f.adminName, repository);
    const { image } = await h.pushImage(token, repository, ["1.0"]);
    const subject = await db.artifact.findFirstOrThrow({ where: { digest: image.manifestDigest, repository: { name: repository } }, select: { id: true } });
    const push = async (tag: string, options: Parameters<typeof writeOciAccessoryLayout>[1]) => {
      const dir = path.join(h.tmp, `acc-${Math.random().toString(36).slice(2)}`);
      const acc = await writeOciAccessoryLayout(dir, options);
      await h.stage(acc.ref, repository, acc.manifestDigest);
      await h.putManifest(token, repository, tag, await h.blobBytes(dir, acc.manifestDigest), OCI_IMAGE_MANIFEST);
      return acc.manifestDigest;
    };
    // cosign's tag convention, and an OCI 1.1 referrer as notation pushes it.
    const cosign = await push(`sha256-${image.manifestDigest.slice("sha256:".length)}.sig`, {
      tag: "sig",
      config: "cosign",
      layer: { mediaType: "application/vnd.dev.cosign.simplesigning.v1+json", content: JSON.stringify({ critical: { image: { "docker-manifest-digest": image.manifestDigest } } }) },
    });
    const notation = await push("notation", {
      tag: "n",
      config: "empty",
      artifactType: "application/vnd.cncf.notary.signature",
      subject: { mediaType: OCI_IMAGE_MANIFEST, digest: image.manifestDigest, size: image.manifestSize },
      layer: { mediaType: "application/jose+json", content: "{}" },
    });
    const a = await get(artifactRoute.GET, `/projects/${f.project}/repositories/signed/artifacts/1.0`, artParams("signed", "1.0"));
    expect(harborShapeErrors("Artifact", a)).toEqual([]);
    const accessories = (a as { accessories: { digest: string; type: string; subject_artifact_id: number; subject_artifact_digest: string; subject_artifact_repo: string }[] }).accessories;
    expect(accessories.map((x) => [x.digest, x.type]).sort()).toEqual([[cosign, "signature.cosign"], [notation, "signature.notation"]].sort());
    for (const x of accessories) expect(x).toMatchObject({ subject_artifact_id: subject.id, subject_artifact_digest: image.manifestDigest, subject_artifact_repo: repository });
  }, 60_000);

  it("the check can fail: a missing field, a wrong type and a null where Harbor has none are each named", () => {
    const artifact = { id: 1, digest: "sha256:x", tags: [{ id: "7", name: "1.0" }], addition_links: { vulnerabilities: { href: 3, absolute: false } } };
    const errors = harborShapeErrors("Artifact", artifact);
    expect(errors).toContain("Artifact.type: missing (Harbor's Artifact answers it)");
    expect(errors).toContain("Artifact.tags[0].id: string, Harbor's Tag gives integer");
    expect(errors).toContain("Artifact.tags[0].artifact_id: missing (Harbor's Tag answers it)");
    expect(errors).toContain("Artifact.addition_links.vulnerabilities.href: integer, Harbor's AdditionLink gives string");
    expect(harborShapeErrors("Repository", { id: 1, project_id: 1, name: "p/r", description: "", artifact_count: 0, pull_count: 0, creation_time: null, update_time: null })).toEqual([
      "Repository.update_time: null, but Harbor's Repository gives string",
    ]);
  });
});
