import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConflictError, ForbiddenError, NotFoundError } from "@/lib/errors";
import { projectPermissionsIn } from "@/lib/services/authz/project-access";
import { addProjectMember } from "@/lib/services/members/members";
import { createRoleRule, deleteRoleRule, listInheritedMembers, listUserRoleRules } from "@/lib/services/members/role-rules";
import { getProject } from "@/lib/services/projects/get-project";
import { listProjects } from "@/lib/services/projects/list-projects";
import { REGISTRY_SERVICE } from "@/lib/services/registry-auth/constants";
import { issueRegistryToken } from "@/lib/services/registry-auth/issue-token";
import { basic } from "@/lib/services/registry-auth/test-fixtures";
import { verifyRegistryToken } from "@/lib/services/registry-auth/token";
import { actorFor, createTestUser, db } from "@/lib/testing/factories";
import { ZCreateRoleRule } from "@/lib/validation/users";

/*
 * Roles across projects against Postgres: a user given Maintainer in every project matching
 * `<team>-*` holds it in the team's projects, present and created later, through every door
 * (services, the project list, the token service), and loses it the moment the rule goes. Each
 * test uses its own random team prefix, so the shared database's other projects never match.
 */
const client = { ip: "192.0.2.10", userAgent: "vitest" };
const team = () => `t${randomBytes(4).toString("hex")}`;
const createProject = (name: string, isPublic = false) => db.project.create({ data: { name, isPublic }, select: { id: true, name: true, isPublic: true } });

async function setup() {
  const prefix = team();
  const admin = actorFor(await createTestUser({ isAdmin: true }));
  const lead = await createTestUser();
  const a = await createProject(`${prefix}-a`);
  const b = await createProject(`${prefix}-b`);
  const other = await createProject(`${prefix}x-other`);
  return { prefix, admin, lead, a, b, other };
}

describe("roles across projects", () => {
  it("an administrator gives one: the user holds the role in every matching project, one created later too, and nowhere else; one audit row", async () => {
    const { prefix, admin, lead, a, b, other } = await setup();
    const actor = actorFor(lead);
    await expect(getProject({ actor, project: String(a.id) })).rejects.toBeInstanceOf(NotFoundError);

    await createRoleRule({ actor: admin, input: { userId: lead.id, pattern: `${prefix}-*`, roleId: 4 } });
    const rows = await db.auditEvent.findMany({ where: { action: "project_role_rule.create", resourceId: String(lead.id) } });
    expect(rows.map((r) => [r.result, r.detail])).toEqual([["success", { pattern: `${prefix}-*`, role: "Maintainer" }]]);

    for (const project of [a, b]) {
      const held = await projectPermissionsIn(actor, project);
      expect(held.has("repository:push"), project.name).toBe(true);
      expect(held.has("member:create"), project.name).toBe(false); // Maintainer, not Project Admin
    }
    expect((await projectPermissionsIn(actor, other)).size).toBe(0);
    const later = await createProject(`${prefix}-c`);
    expect((await projectPermissionsIn(actor, later)).has("repository:push")).toBe(true);

    // The project list shows exactly the reached ones (of this test's projects), with the role.
    const listed = await listProjects({ actor, query: { q: prefix, visibility: "all", page: 1, pageSize: 50 } });
    expect(listed.rows.map((p) => [p.name, p.viewerRoleId]).sort()).toEqual([
      [`${prefix}-a`, 4],
      [`${prefix}-b`, 4],
      [`${prefix}-c`, 4],
    ]);

    // The token service grants push there, and nothing in the other project.
    const token = await issueRegistryToken({
      authorization: basic(lead.username),
      service: REGISTRY_SERVICE,
      scopes: [`repository:${prefix}-b/app:pull,push`, `repository:${other.name}/app:pull`],
      client,
    });
    expect((await verifyRegistryToken(token.token)).access).toEqual([
      { type: "repository", name: `${prefix}-b/app`, actions: ["pull", "push"] },
      { type: "repository", name: `${other.name}/app`, actions: [] },
    ]);
  });

  it("united with a membership: a Guest member given Maintainer by a rule holds the Maintainer's rights; removing the rule leaves the Guest's at once", async () => {
    const { prefix, admin, lead, a } = await setup();
    await addProjectMember({ actor: admin, input: { projectId: a.id, username: lead.username, roleId: 3 } });
    const actor = actorFor(lead);
    expect((await projectPermissionsIn(actor, a)).has("repository:push")).toBe(false);
    const rule = await createRoleRule({ actor: admin, input: { userId: lead.id, pattern: `${prefix}-{a,z}`, roleId: 4 } });
    expect((await projectPermissionsIn(actor, a)).has("repository:push")).toBe(true);
    // "Your role" shows the higher of the two.
    expect((await getProject({ actor, project: String(a.id) })).viewerRoleId).toBe(4);
    await deleteRoleRule({ actor: admin, userId: lead.id, ruleId: rule.id });
    const held = await projectPermissionsIn(actor, a);
    expect(held.has("repository:push")).toBe(false);
    expect(held.has("repository:pull")).toBe(true);
    expect(await db.auditEvent.count({ where: { action: "project_role_rule.delete", resourceId: String(lead.id), result: "success" } })).toBe(1);
  });

  it("each project's Members tab lists the rules that reach it; the user's page lists theirs", async () => {
    const { prefix, admin, lead, a, other } = await setup();
    await createRoleRule({ actor: admin, input: { userId: lead.id, pattern: `${prefix}-?`, roleId: 2 } });
    const inherited = await listInheritedMembers({ actor: admin, projectId: a.id });
    expect(inherited.map((m) => [m.username, m.pattern, m.roleId])).toEqual([[lead.username, `${prefix}-?`, 2]]);
    expect(await listInheritedMembers({ actor: admin, projectId: other.id })).toEqual([]);
    // The lead, a Developer there by the rule, reads the members like any Developer.
    await expect(listInheritedMembers({ actor: actorFor(lead), projectId: a.id })).resolves.toHaveLength(1);
    const auditor = actorFor(await createTestUser({ isAuditor: true }));
    expect((await listUserRoleRules({ actor: auditor, userId: lead.id })).map((r) => r.pattern)).toEqual([`${prefix}-?`]);
  });

  it("refuses others than administrators (one failure row each), a pattern the user already has (409, nothing saved), and bad patterns at the field", async () => {
    const { prefix, admin, lead } = await setup();
    const auditor = actorFor(await createTestUser({ isAuditor: true }));
    await expect(createRoleRule({ actor: auditor, input: { userId: lead.id, pattern: `${prefix}-*`, roleId: 1 } })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(createRoleRule({ actor: actorFor(lead), input: { userId: lead.id, pattern: `${prefix}-*`, roleId: 1 } })).rejects.toBeInstanceOf(ForbiddenError);
    expect(await db.auditEvent.count({ where: { action: "project_role_rule.create", resourceId: String(lead.id), result: "failure" } })).toBe(2);
    expect(await db.projectRoleRule.count({ where: { userId: lead.id } })).toBe(0);

    await createRoleRule({ actor: admin, input: { userId: lead.id, pattern: `${prefix}-*`, roleId: 4 } });
    const clash = await createRoleRule({ actor: admin, input: { userId: lead.id, pattern: `${prefix}-*`, roleId: 1 } }).catch((e: unknown) => e);
    expect(clash).toBeInstanceOf(ConflictError);
    expect((clash as ConflictError).fieldErrors.pattern).toEqual(["This user already has a role for this pattern: change it by removing that one"]);
    expect((await db.projectRoleRule.findMany({ where: { userId: lead.id } })).map((r) => r.roleId)).toEqual([4]);

    const bad = (pattern: string) => ZCreateRoleRule.safeParse({ userId: String(lead.id), pattern, roleId: "4" });
    expect(bad("team/*").error?.issues[0]?.message).toBe("Project names have no /: the pattern matches names such as team-a");
    expect(bad("[team").error?.issues[0]?.message).toMatch(/^Invalid pattern/);
    expect(bad("  ").success).toBe(false);
    expect(ZCreateRoleRule.safeParse({ userId: String(lead.id), pattern: "team-*", roleId: "9" }).success).toBe(false);
  });
});
