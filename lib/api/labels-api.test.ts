import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

vi.hoisted(() => {
  process.env.WHARF_EXTERNAL_URL = "http://wharf.test:3000";
});

import { createClient, type HarborClient } from "@hapic/harbor";
import * as artifactLabelRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/labels/[label_id]/route";
import * as artifactLabelsRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/labels/route";
import * as artifactsRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/route";
import * as labelRoute from "@/app/api/v2.0/labels/[id]/route";
import * as labelsRoute from "@/app/api/v2.0/labels/route";
import { apiRequest, basic, call } from "@/lib/api/test-kit";
import { createMember, createProject } from "@/lib/services/registry-auth/test-fixtures";
import { serveApiRoutes, type ApiHttpServer } from "@/lib/testing/api-http-server";
import { createTestUser, db, TEST_PASSWORD, uniqueName } from "@/lib/testing/factories";
import { harborListShapeErrors, harborShapeErrors } from "@/lib/testing/harbor-swagger";

/*
 * Labels over REST in Harbor's shapes (each answer checked against Wharf's OpenAPI document by
 * test-kit's call, and against Harbor's own swagger definitions), and @hapic/harbor's artifact
 * label methods (the two label methods it has) against Wharf over real HTTP.
 */

let server: ApiHttpServer;
let admin: Awaited<ReturnType<typeof createTestUser>>;
let harbor: HarborClient;

beforeAll(async () => {
  server = await serveApiRoutes({
    "/labels": labelsRoute,
    "/labels/{id}": labelRoute,
    "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts": artifactsRoute,
    "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/labels": artifactLabelsRoute,
    "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}/labels/{label_id}": artifactLabelRoute,
  });
  admin = await createTestUser({ isAdmin: true });
  harbor = createClient({ connectionString: `${admin.username}:${TEST_PASSWORD}@${server.url}` });
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

/** An indexed artifact of `<project>/app` (setup rows, not audited actions); no registry call reads it here. */
async function artifactIn(project: { id: number; name: string }) {
  const name = `${project.name}/app`;
  const repository = await db.repository.upsert({ where: { name }, create: { projectId: project.id, name }, update: {}, select: { id: true } });
  const digest = `sha256:${randomBytes(32).toString("hex")}`;
  await db.artifact.create({ data: { repositoryId: repository.id, digest, mediaType: "application/vnd.oci.image.manifest.v1+json", manifestSize: 100, totalSize: 1000n, pushedAt: new Date() } });
  await db.repository.update({ where: { id: repository.id }, data: { artifactCount: { increment: 1 } } });
  return { repository: name, digest };
}

const idOf = (res: Response) => Number(res.headers.get("location")!.split("/").pop());

describe("label REST routes", () => {
  it("create, list (scope, name, q, paging), get, update, delete, in Harbor's Label shape", async () => {
    const auth = basic(admin.username);
    const name = uniqueName("prod");
    const created = await call(labelsRoute.POST, apiRequest("/labels", { method: "POST", auth, body: { name, color: "#2E7D32", description: "ready", scope: "g" } }), {});
    expect(created.status).toBe(201);
    expect(created.headers.get("location")).toMatch(/^\/api\/v2\.0\/labels\/\d+$/);
    const id = idOf(created);

    const project = await createProject();
    const projectLabels: number[] = [];
    for (const n of ["a-one", "b-two", "c-three"]) {
      const res = await call(labelsRoute.POST, apiRequest("/labels", { method: "POST", auth, body: { name: n, color: "#000000", scope: "p", project_id: project.id } }), {});
      expect(res.status).toBe(201);
      projectLabels.push(idOf(res));
    }
    const page = await call(labelsRoute.GET, apiRequest(`/labels?scope=p&project_id=${project.id}&page=2&page_size=2`, { auth }), {});
    expect(page.headers.get("x-total-count")).toBe("3");
    expect(page.headers.get("link")).toContain('rel="prev"');
    const rows = (await page.json()) as Record<string, unknown>[];
    expect(harborListShapeErrors("Label", rows)).toEqual([]);
    expect(rows).toMatchObject([{ id: projectLabels[2], name: "c-three", scope: "p", project_id: project.id, color: "#000000", description: "" }]);
    const byName = (await (await call(labelsRoute.GET, apiRequest(`/labels?scope=g&name=${name.slice(2)}`, { auth }), {})).json()) as { id: number }[];
    expect(byName.map((l) => l.id)).toContain(id);
    const exact = (await (await call(labelsRoute.GET, apiRequest(`/labels?q=${encodeURIComponent(`name=${name}`)}`, { auth }), {})).json()) as { id: number }[];
    expect(exact.map((l) => l.id)).toEqual([id]);

    const got = (await (await call(labelRoute.GET, apiRequest(`/labels/${id}`, { auth }), { id: String(id) })).json()) as Record<string, unknown>;
    expect(harborShapeErrors("Label", got)).toEqual([]);
    expect(got).toMatchObject({ id, name, color: "#2E7D32", description: "ready", scope: "g", project_id: 0 });
    const put = await call(labelRoute.PUT, apiRequest(`/labels/${id}`, { method: "PUT", auth, body: { ...got, color: "#1565C0" } }), { id: String(id) });
    expect(put.status).toBe(200);
    expect((await db.label.findUniqueOrThrow({ where: { id } })).color).toBe("#1565C0");
    // Only a colour: the rest is kept.
    await call(labelRoute.PUT, apiRequest(`/labels/${id}`, { method: "PUT", auth, body: { color: "#FFFFFF" } }), { id: String(id) });
    expect(await db.label.findUniqueOrThrow({ where: { id } })).toMatchObject({ name, color: "#FFFFFF", description: "ready" });
    const removed = await call(labelRoute.DELETE, apiRequest(`/labels/${id}`, { method: "DELETE", auth }), { id: String(id) });
    expect(removed.status).toBe(200);
    expect(await db.label.count({ where: { id } })).toBe(0);
  });

  it("refuses a name clash (409 naming the field), bad input (400) and the wrong role (403), saving nothing", async () => {
    const auth = basic(admin.username);
    const project = await createProject();
    const name = uniqueName("clash");
    expect((await call(labelsRoute.POST, apiRequest("/labels", { method: "POST", auth, body: { name, color: "#000000" } }), {})).status).toBe(201);
    const clash = await call(labelsRoute.POST, apiRequest("/labels", { method: "POST", auth, body: { name, color: "#000000", scope: "p", project_id: project.id } }), {});
    expect(clash.status).toBe(409);
    expect(((await clash.json()) as { errors: { code: string; message: string }[] }).errors[0]).toMatchObject({ code: "CONFLICT", message: `name: A label named ${name} exists globally` });
    for (const [body, field] of [
      [{ name: "x", color: "green", scope: "p", project_id: project.id }, "color"],
      [{ name: "", color: "#000000", scope: "p", project_id: project.id }, "name"],
      [{ name: "x", color: "#000000", scope: "p" }, "project_id"],
      [{ name: "x", color: "#000000", scope: "q" }, "scope"],
    ] as const) {
      const res = await call(labelsRoute.POST, apiRequest("/labels", { method: "POST", auth, body }), {});
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { errors: { message: string }[] }).errors[0]!.message).toContain(field);
    }
    expect(await db.label.count({ where: { projectId: project.id } })).toBe(0);
    const developer = await createMember(project.id, 2);
    const refused = await call(labelsRoute.POST, apiRequest("/labels", { method: "POST", auth: basic(developer.username), body: { name: "dev", color: "#000000", scope: "p", project_id: project.id } }), {});
    expect(refused.status).toBe(403);
    const global = await call(labelsRoute.POST, apiRequest("/labels", { method: "POST", auth: basic(developer.username), body: { name: uniqueName("g"), color: "#000000" } }), {});
    expect(global.status).toBe(403);
    // A developer reads the project's labels and the global ones.
    expect((await call(labelsRoute.GET, apiRequest(`/labels?scope=p&project_id=${project.id}`, { auth: basic(developer.username) }), {})).status).toBe(200);
    expect((await call(labelsRoute.GET, apiRequest("/labels", { auth: basic(developer.username) }), {})).status).toBe(200);
    expect((await call(labelsRoute.GET, apiRequest("/labels"), {})).status).toBe(401);
  });

  it("@hapic/harbor adds and removes labels on an artifact; artifacts carry them and the list filters by them (q=labels=(ids))", async () => {
    const auth = basic(admin.username);
    const project = await createProject();
    const a = await artifactIn(project);
    const b = await artifactIn(project);
    const mk = async (body: Record<string, unknown>) => idOf(await call(labelsRoute.POST, apiRequest("/labels", { method: "POST", auth, body }), {}));
    const globalId = await mk({ name: uniqueName("approved"), color: "#2E7D32" });
    const ownId = await mk({ name: "qa", color: "#1565C0", scope: "p", project_id: project.id });
    const otherProject = await createProject();
    const foreignId = await mk({ name: "theirs", color: "#C62828", scope: "p", project_id: otherProject.id });

    await harbor.projectRepositoryArtifactLabel.create({ projectName: project.name, repositoryName: "app", tagOrDigest: a.digest, labelId: globalId });
    await harbor.projectRepositoryArtifactLabel.create({ projectName: project.name, repositoryName: "app", tagOrDigest: a.digest, labelId: ownId });
    await harbor.projectRepositoryArtifactLabel.create({ projectName: project.name, repositoryName: "app", tagOrDigest: b.digest, labelId: globalId });
    // Another project's label: refused, nothing attached.
    await expect(harbor.projectRepositoryArtifactLabel.create({ projectName: project.name, repositoryName: "app", tagOrDigest: a.digest, labelId: foreignId })).rejects.toThrow();
    const params = { project_name_or_id: project.name, repository_name: "app" };
    const twice = await call(artifactLabelsRoute.POST, apiRequest(`/projects/${project.name}/repositories/app/artifacts/${a.digest}/labels`, { method: "POST", auth, body: { id: ownId } }), { ...params, reference: a.digest });
    expect(twice.status).toBe(409);

    const list = await call(artifactsRoute.GET, apiRequest(`/projects/${project.name}/repositories/app/artifacts?q=${encodeURIComponent(`labels=(${globalId} ${ownId})`)}`, { auth }), params);
    expect(list.headers.get("x-total-count")).toBe("1");
    const artifacts = (await list.json()) as { digest: string; labels: { id: number; name: string }[] }[];
    expect(harborListShapeErrors("Artifact", artifacts)).toEqual([]);
    expect(artifacts.map((x) => x.digest)).toEqual([a.digest]);
    expect(artifacts[0]!.labels.map((l) => l.id).sort()).toEqual([globalId, ownId].sort());
    const withGlobal = await call(artifactsRoute.GET, apiRequest(`/projects/${project.name}/repositories/app/artifacts?q=labels%3D${globalId}`, { auth }), params);
    expect(withGlobal.headers.get("x-total-count")).toBe("2");
    const bad = await call(artifactsRoute.GET, apiRequest(`/projects/${project.name}/repositories/app/artifacts?q=labels%3D(x)`, { auth }), params);
    expect(bad.status).toBe(400);

    await harbor.projectRepositoryArtifactLabel.delete({ projectName: project.name, repositoryName: "app", tagOrDigest: a.digest, labelId: ownId });
    expect(await db.artifactLabel.count({ where: { labelId: ownId } })).toBe(0);
    const gone = await call(artifactLabelRoute.DELETE, apiRequest(`/projects/${project.name}/repositories/app/artifacts/${a.digest}/labels/${ownId}`, { method: "DELETE", auth }), { ...params, reference: a.digest, label_id: String(ownId) });
    expect(gone.status).toBe(404);

    // A guest may not attach (403); nothing changes.
    const guest = await createMember(project.id, 3);
    const refused = await call(artifactLabelsRoute.POST, apiRequest(`/projects/${project.name}/repositories/app/artifacts/${b.digest}/labels`, { method: "POST", auth: basic(guest.username), body: { id: ownId } }), { ...params, reference: b.digest });
    expect(refused.status).toBe(403);
    expect(await db.artifactLabel.count({ where: { labelId: ownId } })).toBe(0);
    expect(server.requests.filter((r) => r.status >= 500)).toEqual([]);
  });
});
