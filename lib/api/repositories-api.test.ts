import { beforeAll, describe, expect, it, vi } from "vitest";

// As in browse.test.ts: the registry port and external URL are read once by getServerEnv().
const REGISTRY_PORT = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryPort("repositories-api-tests-secret-key-0123456789")));

import * as buildHistoryRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/additions/build_history/route";
import * as artifactRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/route";
import * as tagRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/tags/[tag_name]/route";
import * as tagsRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/tags/route";
import * as artifactsRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/route";
import * as repositoryRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/route";
import * as repositoriesRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/route";
import * as searchRoute from "@/app/api/v2.0/search/route";
import { apiRequest, basic, call, errorOf } from "@/lib/api/test-kit";
import { createMember, createProject, db } from "@/lib/services/registry-auth/test-fixtures";
import { createTestUser } from "@/lib/testing/factories";
import { gatewayHarness } from "@/lib/testing/gateway-harness";

const EXTERNAL = "http://wharf.test:3000";

const h = gatewayHarness({ registryPort: REGISTRY_PORT, external: EXTERNAL, name: "repositories-api" });

/** Pushes an image with `tags` through Wharf's gateway as `username`; returns its digest. */
async function pushImage(username: string, repository: string, tags: string[]): Promise<string> {
  const token = await h.tokenFor(username, repository);
  return (await h.pushImage(token, repository, tags)).image.manifestDigest;
}

// ---- fixture: a private project with two repositories, one nested ----

type Fixture = { project: string; digest: string; maintainer: string; guest: string; outsider: string };
let fixture: Fixture;

beforeAll(async () => {
  const project = await createProject();
  const maintainer = await createMember(project.id, 4);
  const guest = await createMember(project.id, 3);
  const outsider = await createTestUser();
  const digest = await pushImage(maintainer.username, `${project.name}/team/app`, ["1.0", "stable"]);
  await pushImage(maintainer.username, `${project.name}/other`, ["latest"]);
  fixture = { project: project.name, digest, maintainer: basic(maintainer.username), guest: basic(guest.username), outsider: basic(outsider.username) };
}, 120_000);

// Next hands the handler the path segment decoded once: `team%252Fapp` arrives as `team%2Fapp`.
const NESTED = "team%2Fapp";
const repoParams = (repository_name = NESTED) => ({ project_name_or_id: fixture.project, repository_name });
const artifactParams = (reference: string) => ({ ...repoParams(), reference });
const repoPath = () => `/projects/${fixture.project}/repositories/team%252Fapp`;

type Repository = { id: number; name: string; project_id: number; artifact_count: number; description?: string };
type Artifact = { digest: string; type: string; tags: { name: string }[] | null; extra_attrs: Record<string, string>; repository_name: string };

describe("repositories API", () => {
  it("lists a project's repositories with paging headers, and gets one by its double-encoded name", async () => {
    const auth = fixture.guest;
    const page1 = await call(repositoriesRoute.GET, apiRequest(`/projects/${fixture.project}/repositories?page=1&page_size=1`, { auth }), { project_name_or_id: fixture.project });
    expect(page1.status).toBe(200);
    expect(page1.headers.get("x-total-count")).toBe("2");
    expect(page1.headers.get("link")).toBe(`</api/v2.0/projects/${fixture.project}/repositories?page=2&page_size=1>; rel="next"`);
    const rows = (await page1.json()) as Repository[];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.name).toBe(`${fixture.project}/other`);

    const filtered = await call(repositoriesRoute.GET, apiRequest(`/projects/${fixture.project}/repositories?q=name%3D~team&sort=-artifact_count`, { auth }), {
      project_name_or_id: fixture.project,
    });
    expect(((await filtered.json()) as Repository[]).map((r) => r.name)).toEqual([`${fixture.project}/team/app`]);

    const one = await call(repositoryRoute.GET, apiRequest(repoPath(), { auth }), repoParams());
    expect(one.status).toBe(200);
    expect((await one.json()) as Repository).toMatchObject({ name: `${fixture.project}/team/app`, artifact_count: 1, description: "" });
  });

  it("lists, filters and gets artifacts, tags and build history", async () => {
    const auth = fixture.guest;
    const list = async (query: string) => {
      const res = await call(artifactsRoute.GET, apiRequest(`${repoPath()}/artifacts${query}`, { auth }), repoParams());
      expect(res.status).toBe(200);
      return { total: res.headers.get("x-total-count"), rows: (await res.json()) as Artifact[] };
    };
    const all = await list("?sort=-push_time");
    expect(all.total).toBe("1");
    expect(all.rows[0]).toMatchObject({ digest: fixture.digest, type: "IMAGE", repository_name: `${fixture.project}/team/app`, extra_attrs: { architecture: "arm64" } });
    expect(all.rows[0]!.tags!.map((t) => t.name).sort()).toEqual(["1.0", "stable"]);
    expect((await list("?q=tags%3D*")).total).toBe("1");
    expect((await list("?q=tags%3Dnil")).total).toBe("0");
    expect((await list("?q=tags%3D~stab")).total).toBe("1");
    expect((await list("?q=tags%3D~nomatch")).total).toBe("0");
    expect((await list("?with_tag=false")).rows[0]!.tags).toBeNull();

    const byTag = await call(artifactRoute.GET, apiRequest(`${repoPath()}/artifacts/1.0`, { auth }), artifactParams("1.0"));
    expect(byTag.status).toBe(200);
    expect(((await byTag.json()) as Artifact).digest).toBe(fixture.digest);
    const byDigest = await call(artifactRoute.GET, apiRequest(`${repoPath()}/artifacts/${fixture.digest}`, { auth }), artifactParams(fixture.digest));
    expect(((await byDigest.json()) as Artifact).extra_attrs).toMatchObject({ architecture: "arm64", author: "Wharf Tests <t@example.com>" });

    const tags = await call(tagsRoute.GET, apiRequest(`${repoPath()}/artifacts/1.0/tags`, { auth }), artifactParams("1.0"));
    expect(tags.headers.get("x-total-count")).toBe("2");

    const history = await call(buildHistoryRoute.GET, apiRequest(`${repoPath()}/artifacts/1.0/additions/build_history`, { auth }), artifactParams("1.0"));
    expect(history.status).toBe(200);
    const entries = (await history.json()) as { created: string; created_by: string }[];
    expect(entries[0]?.created_by).toContain("wharf test fixture");
    expect(Date.parse(entries[0]!.created)).not.toBeNaN();

    const guestTags = await call(tagsRoute.POST, apiRequest(`${repoPath()}/artifacts/1.0/tags`, { method: "POST", auth, body: { name: "nope" } }), artifactParams("1.0"));
    expect(guestTags.status).toBe(403);

    const missing = await call(artifactRoute.GET, apiRequest(`${repoPath()}/artifacts/nope`, { auth }), artifactParams("nope"));
    expect(missing.status).toBe(404);
  });

  it("refuses bad queries with 400, not 500", async () => {
    const auth = fixture.guest;
    for (const query of ["?q=tags%3Dbogus", "?page_size=1000", "?sort=name", "?q=digest%3Dx", "?with_tag=maybe"]) {
      const res = await call(artifactsRoute.GET, apiRequest(`${repoPath()}/artifacts${query}`, { auth }), repoParams());
      expect(res.status, query).toBe(400);
      expect((await errorOf(res)).code).toBe("BAD_REQUEST");
    }
    for (const query of ["?page_size=1000", "?sort=bogus", "?q=owner%3Dx"]) {
      const res = await call(repositoriesRoute.GET, apiRequest(`/projects/${fixture.project}/repositories${query}`, { auth }), { project_name_or_id: fixture.project });
      expect(res.status, query).toBe(400);
    }
  });

  it("a Guest cannot delete (403) and nothing changes; a non-member gets 404 on a private project", async () => {
    const del = await call(repositoryRoute.DELETE, apiRequest(repoPath(), { method: "DELETE", auth: fixture.guest }), repoParams());
    expect(del.status).toBe(403);
    const delArtifact = await call(artifactRoute.DELETE, apiRequest(`${repoPath()}/artifacts/1.0`, { method: "DELETE", auth: fixture.guest }), artifactParams("1.0"));
    expect(delArtifact.status).toBe(403);
    const delTag = await call(tagRoute.DELETE, apiRequest(`${repoPath()}/artifacts/1.0/tags/stable`, { method: "DELETE", auth: fixture.guest }), {
      ...artifactParams("1.0"),
      tag_name: "stable",
    });
    expect(delTag.status).toBe(403);
    expect(await db.tag.count({ where: { repository: { name: `${fixture.project}/team/app` } } })).toBe(2);
    expect(await db.repository.count({ where: { name: `${fixture.project}/team/app` } })).toBe(1);

    const list = await call(repositoriesRoute.GET, apiRequest(`/projects/${fixture.project}/repositories`, { auth: fixture.outsider }), { project_name_or_id: fixture.project });
    expect(list.status).toBe(404);
    const get = await call(repositoryRoute.GET, apiRequest(repoPath(), { auth: fixture.outsider }), repoParams());
    expect(get.status).toBe(404);
  });

  it("adds and deletes a tag; a Maintainer sets the description (a Guest may not)", async () => {
    const auth = fixture.maintainer;
    const guestPut = await call(repositoryRoute.PUT, apiRequest(repoPath(), { method: "PUT", auth: fixture.guest, body: { description: "no" } }), repoParams());
    expect(guestPut.status).toBe(403);
    const put = await call(repositoryRoute.PUT, apiRequest(repoPath(), { method: "PUT", auth, body: { description: "# App" } }), repoParams());
    expect(put.status).toBe(200);
    const badPut = await call(repositoryRoute.PUT, apiRequest(repoPath(), { method: "PUT", auth, body: { description: 5 } }), repoParams());
    expect(badPut.status).toBe(400);
    const after = await call(repositoryRoute.GET, apiRequest(repoPath(), { auth }), repoParams());
    expect(((await after.json()) as Repository).description).toBe("# App");

    const post = await call(tagsRoute.POST, apiRequest(`${repoPath()}/artifacts/1.0/tags`, { method: "POST", auth, body: { name: "extra" } }), artifactParams("1.0"));
    expect(post.status).toBe(201);
    const again = await call(tagsRoute.POST, apiRequest(`${repoPath()}/artifacts/1.0/tags`, { method: "POST", auth, body: { name: "extra" } }), artifactParams("1.0"));
    expect(again.status).toBe(409);
    const del = await call(tagRoute.DELETE, apiRequest(`${repoPath()}/artifacts/1.0/tags/extra`, { method: "DELETE", auth }), { ...artifactParams("1.0"), tag_name: "extra" });
    expect(del.status).toBe(200);
    expect(await db.tag.count({ where: { repository: { name: `${fixture.project}/team/app` }, name: "extra" } })).toBe(0);
  });

  it("search finds visible projects and repositories only", async () => {
    const mine = await call(searchRoute.GET, apiRequest(`/search?q=${fixture.project}`, { auth: fixture.guest }), {});
    expect(mine.status).toBe(200);
    const found = (await mine.json()) as { project: { name: string }[]; repository: { repository_name: string; project_public: boolean }[] };
    expect(found.project.map((p) => p.name)).toEqual([fixture.project]);
    expect(found.repository.map((r) => r.repository_name).sort()).toEqual([`${fixture.project}/other`, `${fixture.project}/team/app`]);

    const theirs = await call(searchRoute.GET, apiRequest(`/search?q=${fixture.project}`, { auth: fixture.outsider }), {});
    expect(await theirs.json()).toEqual({ project: [], repository: [] });
  });

  it("a Maintainer deletes an artifact and then its repository (single-segment name)", async () => {
    const auth = fixture.maintainer;
    const params = { project_name_or_id: fixture.project, repository_name: "other" };
    const base = `/projects/${fixture.project}/repositories/other`;
    const delArtifact = await call(artifactRoute.DELETE, apiRequest(`${base}/artifacts/latest`, { method: "DELETE", auth }), { ...params, reference: "latest" });
    expect(delArtifact.status).toBe(200);
    const left = await call(artifactsRoute.GET, apiRequest(`${base}/artifacts`, { auth }), params);
    expect(left.headers.get("x-total-count")).toBe("0");
    const delRepo = await call(repositoryRoute.DELETE, apiRequest(base, { method: "DELETE", auth }), params);
    expect(delRepo.status).toBe(200);
    const gone = await call(repositoryRoute.GET, apiRequest(base, { auth }), params);
    expect(gone.status).toBe(404);
  });
});
