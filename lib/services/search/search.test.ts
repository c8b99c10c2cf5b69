import { describe, expect, it } from "vitest";
import { search, searchPage } from "@/lib/services/search/search";
import { actorFor, createTestUser, db, uniqueName } from "@/lib/testing/factories";

/*
 * What the header search and the /search page may show. Rows are inserted directly: setup is not
 * what is under test, and the REST search's own tests cover the Harbor shape.
 */

async function fixture() {
  // A token shared by every name below and by nothing else in the test database.
  const token = uniqueName("srch").replace(/[^a-z0-9]/g, "");
  const admin = actorFor(await createTestUser({ isAdmin: true }));
  const member = await createTestUser();
  const outsider = actorFor(await createTestUser());
  const mk = (name: string, isPublic: boolean) => db.project.create({ data: { name, isPublic }, select: { id: true, name: true } });
  const open = await mk(`${token}-open`, true);
  const secret = await mk(`${token}-secret`, false);
  await db.projectMember.create({ data: { projectId: secret.id, userId: member.id, roleId: 3 } });
  const repos = [`${open.name}/app`, `${open.name}/web`, `${secret.name}/app`];
  for (const name of repos) await db.repository.create({ data: { name, projectId: name.startsWith(open.name) ? open.id : secret.id } });
  return { token, admin, member: actorFor(member), outsider, open, secret };
}

describe("search", () => {
  it("finds only what the actor may see: a non-member misses a private project and its repositories", async () => {
    const fx = await fixture();
    const outsider = await search({ actor: fx.outsider, q: fx.token });
    expect(outsider.projects.map((p) => p.name)).toEqual([fx.open.name]);
    expect(outsider.repositories.map((r) => r.name)).toEqual([`${fx.open.name}/app`, `${fx.open.name}/web`]);

    const member = await search({ actor: fx.member, q: fx.token.toUpperCase() });
    expect(member.projects.map((p) => p.name)).toEqual([fx.open.name, fx.secret.name]);
    expect(member.repositories.map((r) => r.name)).toEqual([`${fx.open.name}/app`, `${fx.open.name}/web`, `${fx.secret.name}/app`]);
    expect(member.projects.find((p) => p.id === fx.secret.id)?.viewerRoleId).toBe(3);
  });

  it("bounds each half by `limit`, and finds nothing for blank text", async () => {
    const fx = await fixture();
    const found = await search({ actor: fx.admin, q: fx.token, limit: 1 });
    expect(found.projects.map((p) => p.name)).toEqual([fx.open.name]);
    expect(found.repositories.map((r) => r.name)).toEqual([`${fx.open.name}/app`]);
    expect(await search({ actor: fx.admin, q: "   " })).toEqual({ projects: [], repositories: [] });
  });

  it("treats % and _ in the text literally in both halves", async () => {
    const fx = await fixture();
    // `_` unescaped is LIKE's any-character: `<token>_open` would have matched `<token>-open`.
    const found = await search({ actor: fx.admin, q: `${fx.token}_` });
    expect(found).toEqual({ projects: [], repositories: [] });
    expect(await search({ actor: fx.admin, q: "%" })).toEqual({ projects: [], repositories: [] });
  });
});

describe("searchPage", () => {
  it("pages one kind in Postgres and counts both, under the same visibility rule", async () => {
    const fx = await fixture();
    const first = await searchPage({ actor: fx.member, q: fx.token, kind: "repositories", page: 1, pageSize: 2 });
    expect(first.totals).toEqual({ projects: 2, repositories: 3 });
    expect(first.repositories.map((r) => r.name)).toEqual([`${fx.open.name}/app`, `${fx.open.name}/web`]);
    expect(first.projects).toEqual([]);
    const second = await searchPage({ actor: fx.member, q: fx.token, kind: "repositories", page: 2, pageSize: 2 });
    expect(second.repositories.map((r) => r.name)).toEqual([`${fx.secret.name}/app`]);

    const outsider = await searchPage({ actor: fx.outsider, q: fx.token, kind: "projects", page: 1, pageSize: 10 });
    expect(outsider.totals).toEqual({ projects: 1, repositories: 2 });
    expect(outsider.projects.map((p) => p.name)).toEqual([fx.open.name]);
    expect(outsider.repositories).toEqual([]);
  });

  it("skips repositories being deleted", async () => {
    const fx = await fixture();
    await db.repository.update({ where: { name: `${fx.open.name}/web` }, data: { deletingAt: new Date() } });
    const found = await searchPage({ actor: fx.admin, q: fx.token, kind: "repositories", page: 1, pageSize: 10 });
    expect(found.repositories.map((r) => r.name)).toEqual([`${fx.open.name}/app`, `${fx.secret.name}/app`]);
    expect(found.totals.repositories).toBe(2);
  });
});
