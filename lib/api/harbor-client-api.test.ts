import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// As in harbor-fidelity-api.test.ts: the registry port and external URL are read once by getServerEnv().
const REGISTRY_PORT = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryPort("harbor-client-api-tests-secret-key-0123456789")));

import { createClient, type HarborClient } from "@hapic/harbor";
import * as artifactRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/route";
import * as artifactsRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/route";
import * as repositoryRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/route";
import * as repositoriesRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/route";
import * as projectRoute from "@/app/api/v2.0/projects/[project_name_or_id]/route";
import * as projectsRoute from "@/app/api/v2.0/projects/route";
import * as robotRoute from "@/app/api/v2.0/robots/[robot_id]/route";
import * as robotsRoute from "@/app/api/v2.0/robots/route";
import * as searchRoute from "@/app/api/v2.0/search/route";
import { db } from "@/lib/services/registry-auth/test-fixtures";
import { serveApiRoutes, type ApiHttpServer } from "@/lib/testing/api-http-server";
import { createTestUser, TEST_PASSWORD, uniqueName } from "@/lib/testing/factories";
import { gatewayHarness } from "@/lib/testing/gateway-harness";
import { harborListShapeErrors, harborShapeErrors } from "@/lib/testing/harbor-swagger";

/**
 * @hapic/harbor, a third-party npm client of Harbor's REST API, against Wharf's route handlers
 * served over real HTTP: every method of it whose feature Wharf has (projects, repositories,
 * artifacts, robots, search); its artifact label methods are in labels-api.test.ts and its
 * webhook policy methods in webhooks-api.test.ts. Whatever the client receives is also checked against Harbor's swagger.
 */

const h = gatewayHarness({ registryPort: REGISTRY_PORT, external: "http://wharf.test:3000", name: "harbor-client-api" });

let server: ApiHttpServer;
let harbor: HarborClient;
let admin: { username: string };

beforeAll(async () => {
  server = await serveApiRoutes({
    "/projects": projectsRoute,
    "/projects/{project_name_or_id}": projectRoute,
    "/projects/{project_name_or_id}/repositories": repositoriesRoute,
    "/projects/{project_name_or_id}/repositories/{repository_name}": repositoryRoute,
    "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts": artifactsRoute,
    "/projects/{project_name_or_id}/repositories/{repository_name}/artifacts/{reference}": artifactRoute,
    "/robots": robotsRoute,
    "/robots/{robot_id}": robotRoute,
    "/search": searchRoute,
  });
  admin = await createTestUser({ isAdmin: true });
  harbor = createClient({ connectionString: `${admin.username}:${TEST_PASSWORD}@${server.url}` });
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

/** The client gets no 500 from Wharf, ever; a failure shows which request and what it answered. */
function expectNoServerErrors() {
  expect(server.requests.filter((r) => r.status >= 500)).toEqual([]);
}

describe("@hapic/harbor against Wharf over HTTP", () => {
  it("projects: create, getOne by id and by name, getMany, getAll (q double-encoded by the client), update, delete", async () => {
    const name = uniqueName("hapic");
    const { id } = await harbor.project.create({ project_name: name, metadata: { public: "false" } } as Parameters<HarborClient["project"]["create"]>[0]);
    expect(id).toBeGreaterThan(0);

    const byId = await harbor.project.getOne(id!);
    const byName = await harbor.project.getOne(name, true);
    expect(byId).toMatchObject({ project_id: id, name, metadata: { public: "false" } });
    expect(byName).toEqual(byId);
    expect(harborShapeErrors("Project", byId)).toEqual([]);

    const many = await harbor.project.getMany({ query: { name } });
    expect(many.data.map((p) => p.name)).toEqual([name]);
    expect(many.meta.total).toBe(1);
    // The client encodes `~` inside q once more (q: { name: "~…" }), as Harbor's UI does.
    const fuzzy = await harbor.project.getAll({ query: { q: { name: `~${name.slice(0, -2)}` } } as never });
    expect(fuzzy.data.map((p) => p.name)).toContain(name);
    expect(server.requests.map((r) => r.path)).toContainEqual(expect.stringContaining("q=name%3D%257E"));
    expect(harborListShapeErrors("Project", fuzzy.data)).toEqual([]);

    await harbor.project.update(id!, { metadata: { public: "true" } } as never);
    expect((await harbor.project.getOne(id!)).metadata).toMatchObject({ public: "true" });

    await harbor.project.delete(name, true);
    await expect(harbor.project.getOne(id!)).rejects.toMatchObject({ response: { status: 404 } });
    expectNoServerErrors();
  });

  it("repositories and artifacts: getMany, getAll, findOne, getOne, update; artifact getMany, copy, delete; repository delete", async () => {
    const name = uniqueName("hapicr");
    const { id } = await harbor.project.create({ project_name: name, metadata: { public: "false" } } as never);
    const repository = `${name}/app`;
    const { image } = await h.pushImage(await h.tokenFor(admin.username, repository), repository, ["1.0"]);

    const many = await harbor.projectRepository.getMany({ projectName: name, query: {} });
    expect(many.data.map((r) => [r.name, r.name_short, r.project_name])).toEqual([[repository, "app", name]]);
    // name_short and project_name are the client's own additions; extra fields do not fail the check.
    expect(harborListShapeErrors("Repository", many.data)).toEqual([]);
    expect((await harbor.projectRepository.getAll({ projectName: name, query: {} })).data).toHaveLength(1);
    // findOne sends q=name=~app with the ~ encoded inside q.
    const found = await harbor.projectRepository.findOne(repository);
    expect(found?.name).toBe(repository);
    const one = await harbor.projectRepository.getOne(repository);
    expect(one).toMatchObject({ name: repository, project_id: id, artifact_count: 1 });

    await harbor.projectRepository.update({ projectName: name, repositoryName: "app", data: { description: "# App" } } as never);
    expect((await harbor.projectRepository.getOne(repository)).description).toBe("# App");

    const artifacts = await harbor.projectRepositoryArtifact.getMany({ projectName: name, repositoryName: "app", query: { with_tag: true } } as never);
    expect(artifacts.map((a) => a.digest)).toEqual([image.manifestDigest]);
    expect(harborListShapeErrors("Artifact", artifacts)).toEqual([]);
    const [artifact] = artifacts as unknown as { addition_links: Record<string, { href: string }>; tags: { name: string }[] }[];
    // What the Backstage plugins read.
    expect(artifact!.addition_links.vulnerabilities!.href).toContain(`/artifacts/${image.manifestDigest}/additions/vulnerabilities`);
    expect(artifact!.tags.map((t) => t.name)).toEqual(["1.0"]);

    await harbor.projectRepositoryArtifact.copy({ projectName: name, repositoryName: "copy" }, `${repository}:1.0`);
    const copied = await harbor.projectRepositoryArtifact.getMany({ projectName: name, repositoryName: "copy", query: { with_tag: true } } as never);
    expect(copied.map((a) => a.digest)).toEqual([image.manifestDigest]);
    await harbor.projectRepositoryArtifact.delete({ projectName: name, repositoryName: "copy", tagOrDigest: "1.0" });
    expect(await harbor.projectRepositoryArtifact.getMany({ projectName: name, repositoryName: "copy", query: {} } as never)).toEqual([]);

    await harbor.projectRepository.delete(repository);
    await expect(harbor.projectRepository.getOne(repository)).rejects.toMatchObject({ response: { status: 404 } });
    expectNoServerErrors();
  });

  it("robots: create (metadata:list included), getMany, getOne, updateSecret generated and chosen, update, delete; the robot signs in with the chosen secret", async () => {
    const name = uniqueName("hapicb");
    const { id: projectId } = await harbor.project.create({ project_name: name, metadata: { public: "false" } } as never);
    const access = [
      { resource: "repository", action: "pull" },
      { resource: "metadata", action: "list" },
      { resource: "project", action: "read" },
    ];
    const created = await harbor.robot.create({ name: "ci", description: "builds", level: "project", duration: 7, permissions: [{ kind: "project", namespace: name, access }] } as never);
    expect(created).toMatchObject({ name: `robot$${name}+ci`, secret: expect.any(String) });
    const robotId = (created as { id: number }).id;

    const listed = await harbor.robot.getMany({ query: { q: `Level=project,ProjectID=${projectId}` } } as never);
    expect(listed.data.map((r) => r.name)).toEqual([`robot$${name}+ci`]);
    expect(harborListShapeErrors("Robot", listed.data)).toEqual([]);
    const robot = await harbor.robot.getOne(robotId);
    expect(robot).toMatchObject({ id: robotId, level: "project", duration: 7, description: "builds" });
    expect(harborShapeErrors("Robot", robot)).toEqual([]);

    const generated = await harbor.robot.updateSecret(robotId);
    expect(generated.secret).not.toBe((created as { secret: string }).secret);
    const chosen = "Hapic-Chosen-9";
    expect((await harbor.robot.updateSecret(robotId, chosen)).secret).toBe(chosen);
    const asRobot = createClient({ connectionString: `robot$${name}+ci:${chosen}@${server.url}` });
    expect((await asRobot.project.getOne(projectId!)).name).toBe(name);
    await expect(harbor.robot.updateSecret(robotId, "weak")).rejects.toMatchObject({ response: { status: 400 } });

    // The client sends the whole robot back, as Harbor's UI does.
    await harbor.robot.update(robotId, { ...robot, description: "builds and lists", duration: 14, permissions: [{ kind: "project", namespace: name, access: access.slice(0, 2) }] } as never);
    const updated = await harbor.robot.getOne(robotId);
    expect(updated).toMatchObject({ description: "builds and lists", duration: 14 });
    expect(updated.permissions?.[0]?.access.map((a) => `${a.resource}:${a.action}`).sort()).toEqual(["metadata:list", "repository:pull"]);

    await harbor.robot.delete(robotId);
    await expect(harbor.robot.getOne(robotId)).rejects.toMatchObject({ response: { status: 404 } });
    expect(await db.robot.count({ where: { id: robotId } })).toBe(0);
    expectNoServerErrors();
  });

  it("search: finds a project by name", async () => {
    const name = uniqueName("hapics");
    await harbor.project.create({ project_name: name, metadata: { public: "false" } } as never);
    const result = await harbor.search(name);
    expect(result.project.map((p) => p.name)).toEqual([name]);
    expect(harborListShapeErrors("Project", result.project)).toEqual([]);
    expectNoServerErrors();
  });
});
