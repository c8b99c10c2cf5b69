import { describe, expect, it } from "vitest";
import * as memberRoute from "@/app/api/v2.0/projects/[project_name_or_id]/members/[mid]/route";
import * as membersRoute from "@/app/api/v2.0/projects/[project_name_or_id]/members/route";
import { apiRequest, auditCount, basic, call, createTestUser, db, errorOf } from "@/lib/api/test-kit";
import { actorFor, uniqueName } from "@/lib/testing/factories";
import { createProject } from "@/lib/services/projects/create-project";

type Member = { id: number; project_id: number; entity_name: string; role_name: string; role_id: number; entity_id: number; entity_type: string };

async function projectOwnedBy(owner: Awaited<ReturnType<typeof createTestUser>>) {
  const name = uniqueName("team");
  const project = await createProject({ actor: actorFor(owner), input: { name, isPublic: false } });
  return { id: project.id, name };
}

const p = (project: { id: number }) => ({ project_name_or_id: String(project.id) });
const pm = (project: { id: number }, mid: number | string) => ({ project_name_or_id: String(project.id), mid: String(mid) });

function addMember(project: { id: number }, auth: string, body: unknown) {
  return call(membersRoute.POST, apiRequest(`/projects/${project.id}/members`, { method: "POST", auth, body }), p(project));
}

describe("members API", () => {
  it("adds members by username or user id, lists, reads, changes and removes them; one audit row per change", async () => {
    const owner = await createTestUser();
    const developer = await createTestUser({ username: uniqueName("dev") });
    const guest = await createTestUser({ username: uniqueName("guest") });
    const project = await projectOwnedBy(owner);
    const auth = basic(owner.username);

    let audits = await auditCount();
    const added = await addMember(project, auth, { role_id: 2, member_user: { username: developer.username } });
    expect(added.status).toBe(201);
    expect(await added.text()).toBe("");
    const location = added.headers.get("location")!;
    expect(location).toMatch(new RegExp(`^/api/v2\\.0/projects/${project.id}/members/\\d+$`));
    expect(await auditCount()).toBe(audits + 1);
    const devMid = Number(location.split("/").pop());

    const byId = await addMember(project, auth, { role_id: "3", member_user: { user_id: guest.id } });
    expect(byId.status).toBe(201);

    const list = await call(membersRoute.GET, apiRequest(`/projects/${project.id}/members?page_size=2`, { auth }), p(project));
    expect(list.headers.get("x-total-count")).toBe("3");
    expect(list.headers.get("link")).toContain('rel="next"');
    expect(((await list.json()) as Member[]).length).toBe(2);

    const filtered = await call(membersRoute.GET, apiRequest(`/projects/${project.id}/members?entityname=${developer.username.slice(0, 8)}`, { auth }), p(project));
    const rows = (await filtered.json()) as Member[];
    expect(rows.map((m) => m.entity_name)).toContain(developer.username);
    expect(rows.map((m) => m.entity_name)).not.toContain(guest.username);

    const one = await call(memberRoute.GET, apiRequest(`/projects/${project.id}/members/${devMid}`, { auth }), pm(project, devMid));
    expect(await one.json()).toEqual({
      id: devMid,
      project_id: project.id,
      entity_name: developer.username,
      role_name: "developer",
      role_id: 2,
      entity_id: developer.id,
      entity_type: "u",
    });

    audits = await auditCount();
    const put = await call(memberRoute.PUT, apiRequest(`/projects/${project.id}/members/${devMid}`, { method: "PUT", auth, body: { role_id: 4 } }), pm(project, devMid));
    expect(put.status).toBe(200);
    expect(await auditCount()).toBe(audits + 1);
    expect((await db.projectMember.findUniqueOrThrow({ where: { id: devMid } })).roleId).toBe(4);

    audits = await auditCount();
    const del = await call(memberRoute.DELETE, apiRequest(`/projects/${project.id}/members/${devMid}`, { method: "DELETE", auth }), pm(project, devMid));
    expect(del.status).toBe(200);
    expect(await auditCount()).toBe(audits + 1);
    expect(await db.projectMember.count({ where: { id: devMid } })).toBe(0);
  });

  it("works with the project's name in the path", async () => {
    const owner = await createTestUser();
    const project = await projectOwnedBy(owner);
    const res = await call(membersRoute.GET, apiRequest(`/projects/${project.name}/members`, { auth: basic(owner.username) }), { project_name_or_id: project.name });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Member[]).map((m) => [m.entity_name, m.role_name])).toEqual([[owner.username, "projectAdmin"]]);
  });

  it("does not let a Guest add members (403), and writes no member", async () => {
    const owner = await createTestUser();
    const guest = await createTestUser();
    const outsider = await createTestUser();
    const project = await projectOwnedBy(owner);
    await db.projectMember.create({ data: { projectId: project.id, userId: guest.id, roleId: 3 } });
    const before = await db.projectMember.count({ where: { projectId: project.id } });

    const res = await addMember(project, basic(guest.username), { role_id: 1, member_user: { username: outsider.username } });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe("FORBIDDEN");
    expect(await db.projectMember.count({ where: { projectId: project.id } })).toBe(before);
  });

  it("keeps the last Project Admin: neither removed nor demoted (409)", async () => {
    const owner = await createTestUser();
    const project = await projectOwnedBy(owner);
    const mid = (await db.projectMember.findFirstOrThrow({ where: { projectId: project.id, userId: owner.id } })).id;
    const auth = basic(owner.username);
    const audits = await auditCount();

    const del = await call(memberRoute.DELETE, apiRequest(`/projects/${project.id}/members/${mid}`, { method: "DELETE", auth }), pm(project, mid));
    expect(del.status).toBe(409);
    expect(await errorOf(del)).toMatchObject({ code: "CONFLICT", message: expect.stringContaining("at least one Project Admin") });
    const demote = await call(memberRoute.PUT, apiRequest(`/projects/${project.id}/members/${mid}`, { method: "PUT", auth, body: { role_id: 2 } }), pm(project, mid));
    expect(demote.status).toBe(409);

    expect((await db.projectMember.findUniqueOrThrow({ where: { id: mid } })).roleId).toBe(1);
    expect(await auditCount()).toBe(audits);
  });

  it("answers bad input with 400 in Harbor's field names, unknown users with 404, duplicates with 409", async () => {
    const owner = await createTestUser();
    const member = await createTestUser();
    const project = await projectOwnedBy(owner);
    const auth = basic(owner.username);
    const audits = await auditCount();

    const bad = await addMember(project, auth, { role_id: 9, member_group: { id: 1 } });
    expect(bad.status).toBe(400);
    const { message } = await errorOf(bad);
    expect(message).toContain("role_id: Choose a role");
    const neither = await addMember(project, auth, { role_id: 2 });
    expect((await errorOf(neither)).message).toContain("member_user: Give member_user or member_group (one of them)");
    const both = await addMember(project, auth, { role_id: 2, member_user: { username: member.username }, member_group: { group_type: 3, group_name: "devs" } });
    expect((await errorOf(both)).message).toContain("member_user: Give member_user or member_group (one of them)");
    const httpGroup = await addMember(project, auth, { role_id: 2, member_group: { group_type: 2, group_name: "devs" } });
    expect((await errorOf(httpGroup)).message).toContain("member_group.group_type: Must be 1 (LDAP) or 3 (OIDC); Wharf has no HTTP groups");
    const noDn = await addMember(project, auth, { role_id: 2, member_group: { group_type: 1, group_name: "devs" } });
    expect((await errorOf(noDn)).message).toContain("member_group.ldap_group_dn: Give the group's DN");

    for (const role_id of ["admin", true, [1]]) {
      const badRole = await call(memberRoute.PUT, apiRequest(`/projects/${project.id}/members/1`, { method: "PUT", auth, body: { role_id } }), pm(project, 1));
      expect(await errorOf(badRole), JSON.stringify(role_id)).toMatchObject({ code: "BAD_REQUEST", message: "role_id: Choose a role" });
    }
    const boolRole = await addMember(project, auth, { role_id: true, member_user: { username: member.username } });
    expect(boolRole.status).toBe(400);
    const badMid = await call(memberRoute.GET, apiRequest(`/projects/${project.id}/members/abc`, { auth }), pm(project, "abc"));
    expect(await errorOf(badMid)).toMatchObject({ code: "BAD_REQUEST", message: "mid: must be a positive integer" });
    expect(await auditCount()).toBe(audits);

    expect((await addMember(project, auth, { role_id: 2, member_user: { username: `${member.username}-nobody` } })).status).toBe(404);
    expect((await addMember(project, auth, { role_id: 2, member_user: { user_id: 2_000_000_000 } })).status).toBe(404);
    expect((await addMember(project, auth, { role_id: 2, member_user: { username: member.username } })).status).toBe(201);
    expect((await addMember(project, auth, { role_id: 3, member_user: { username: member.username } })).status).toBe(409);
  });

  it("adds LDAP and OIDC groups as members (Harbor's member_group), lists them as entity_type g, changes and removes them", async () => {
    const owner = await createTestUser();
    const project = await projectOwnedBy(owner);
    const auth = basic(owner.username);
    const audits = await auditCount();
    const dn = `cn=${uniqueName("devs")},ou=groups,dc=wharf,dc=test`;

    const ldap = await addMember(project, auth, { role_id: 2, member_group: { group_type: 1, ldap_group_dn: dn.toUpperCase().replace(/,/g, ", ") } });
    expect(ldap.status).toBe(201);
    const oidcName = uniqueName("platform");
    const oidc = await addMember(project, auth, { role_id: 4, member_group: { group_type: 3, group_name: oidcName } });
    expect(oidc.status).toBe(201);
    // The same LDAP group however its DN is spelt: a conflict, nothing written.
    const again = await addMember(project, auth, { role_id: 3, member_group: { group_type: 1, ldap_group_dn: dn } });
    expect(again.status).toBe(409);
    expect(await auditCount()).toBe(audits + 2);

    const list = await call(membersRoute.GET, apiRequest(`/projects/${project.id}/members`, { auth }), p(project));
    const members = (await list.json()) as Member[];
    const groups = members.filter((m) => m.entity_type === "g");
    expect(groups.map((g) => [g.entity_name, g.role_id]).sort()).toEqual([
      [dn.split(",")[0]!.slice(3).toUpperCase(), 2],
      [oidcName, 4],
    ].sort());
    expect(members.filter((m) => m.entity_type === "u").map((m) => m.entity_name)).toEqual([owner.username]);

    // By id, as Harbor's clients do once the group exists.
    const other = await projectOwnedBy(owner);
    const groupId = groups.find((g) => g.entity_name === oidcName)!.entity_id;
    expect((await addMember(other, auth, { role_id: 3, member_group: { id: groupId } })).status).toBe(201);
    expect((await addMember(other, auth, { role_id: 3, member_group: { id: 2_000_000_000 } })).status).toBe(404);

    const oidcMember = groups.find((g) => g.entity_name === oidcName)!;
    const change = await call(memberRoute.PUT, apiRequest(`/projects/${project.id}/members/${oidcMember.id}`, { method: "PUT", auth, body: { role_id: 1 } }), pm(project, oidcMember.id));
    expect(change.status).toBe(200);
    const remove = await call(memberRoute.DELETE, apiRequest(`/projects/${project.id}/members/${oidcMember.id}`, { method: "DELETE", auth }), pm(project, oidcMember.id));
    expect(remove.status).toBe(200);
    expect(await db.projectMember.count({ where: { projectId: project.id, groupId: { not: null } } })).toBe(1);
    // Two groups added, the other project created, a group added there, a role changed, a group removed.
    expect(await auditCount()).toBe(audits + 6);

    // A developer may not add groups either.
    const dev = await createTestUser();
    expect((await addMember(project, auth, { role_id: 2, member_user: { username: dev.username } })).status).toBe(201);
    const refused = await addMember(project, basic(dev.username), { role_id: 1, member_group: { group_type: 3, group_name: uniqueName("sneaky") } });
    expect(refused.status).toBe(403);
    expect(await db.projectMember.count({ where: { projectId: project.id } })).toBe(3);
  });
});
