import { describe, expect, it } from "vitest";
import type { UserActor } from "@/lib/auth/actor";
import { ForbiddenError } from "@/lib/errors";
import { projectPermissionsIn } from "@/lib/services/authz/project-access";
import { ExternalSignInRefused, type ExternalIdentity, signInExternalUser } from "@/lib/services/identity/external-users";
import { deleteUserGroup, listUserGroups } from "@/lib/services/identity/user-groups";
import { addProjectGroupMember } from "@/lib/services/members/members";
import { createProject } from "@/lib/services/projects/create-project";
import { visibleProjectsWhere } from "@/lib/services/projects/list-projects";
import { grantAccess } from "@/lib/services/registry-auth/grant";
import { actorFor, createTestUser, db, uniqueName } from "@/lib/testing/factories";

/**
 * Groups as project members (issue 18 item 3): the rights of a user are the union of their own
 * and their groups' roles, as the source last reported the groups, for the console, REST and the
 * token service alike. The sources (LDAP, OIDC) hand what they learnt to signInExternalUser; here
 * it is called directly, as they do after checking the password or the ID token.
 */
const CLIENT = { ip: "198.51.100.7", userAgent: "vitest" };
const DEVELOPER = 2;
const GUEST = 3;

function identity(overrides: Partial<ExternalIdentity> & { username: string }): ExternalIdentity {
  return { source: "oidc", externalId: `https://idp.test#${overrides.username}`, email: null, fullName: null, groups: [], inAdminGroup: null, ...overrides };
}

async function signedInActor(id: ExternalIdentity, onboard = true): Promise<UserActor> {
  const session = await signInExternalUser({ identity: id, onboard, client: CLIENT });
  const user = await db.user.findUniqueOrThrow({ where: { id: session.id } });
  return actorFor(user);
}

async function privateProject() {
  const owner = actorFor(await createTestUser({ isAdmin: true }));
  const project = await createProject({ actor: owner, input: { name: uniqueName("grp"), isPublic: false } });
  return { owner, project: { id: project.id, name: project.name, isPublic: false } };
}

describe("groups as project members", () => {
  it("give their role to every member, in the console's checks, project lists and registry tokens; a group gone at the next sign-in takes it away", async () => {
    const { owner, project } = await privateProject();
    const team = uniqueName("team");
    await addProjectGroupMember({ actor: owner, input: { projectId: project.id, groupType: "oidc", groupName: team, roleId: DEVELOPER } });

    const username = uniqueName("alice");
    const alice = await signedInActor(identity({ username, groups: [{ externalKey: team, name: team }] }));
    expect((await projectPermissionsIn(alice, project)).has("repository:push")).toBe(true);
    const visible = await db.project.findMany({ where: { AND: [await visibleProjectsWhere(alice), { id: project.id }] }, select: { id: true } });
    expect(visible).toHaveLength(1);
    const [entry] = await grantAccess(alice, [{ type: "repository", resourceClass: null, name: `${project.name}/app`, actions: ["pull", "push"] }]);
    expect(entry!.actions.sort()).toEqual(["pull", "push"]);

    // The provider no longer lists the group: gone at this sign-in, rights with it.
    const again = await signedInActor(identity({ username, groups: [] }));
    expect(again.id).toBe(alice.id);
    expect((await projectPermissionsIn(again, project)).size).toBe(0);
    const [none] = await grantAccess(again, [{ type: "repository", resourceClass: null, name: `${project.name}/app`, actions: ["pull", "push"] }]);
    expect(none!.actions).toEqual([]);

    const rows = await db.auditEvent.findMany({ where: { action: "session.sign_in", actorName: username }, orderBy: { id: "asc" } });
    expect(rows.map((r) => r.detail)).toEqual([
      { auth_source: "oidc", onboarded: true, groups_added: [team] },
      { auth_source: "oidc", groups_removed: [team] },
    ]);
  });

  it("unite with the user's own membership: the higher role holds", async () => {
    const { owner, project } = await privateProject();
    const team = uniqueName("readers");
    await addProjectGroupMember({ actor: owner, input: { projectId: project.id, groupType: "oidc", groupName: team, roleId: GUEST } });
    const bob = await signedInActor(identity({ username: uniqueName("bob"), groups: [{ externalKey: team, name: team }] }));
    expect((await projectPermissionsIn(bob, project)).has("repository:push")).toBe(false);
    await db.projectMember.create({ data: { projectId: project.id, userId: bob.id, roleId: DEVELOPER } });
    expect((await projectPermissionsIn(bob, project)).has("repository:push")).toBe(true);
  });

  it("match an LDAP group's DN whatever its case and spacing", async () => {
    const { owner, project } = await privateProject();
    const cn = uniqueName("devs");
    await addProjectGroupMember({ actor: owner, input: { projectId: project.id, groupType: "ldap", groupName: "", ldapGroupDn: `CN=${cn}, OU=Groups, DC=wharf, DC=test`, roleId: DEVELOPER } });
    const username = uniqueName("carol");
    const carol = await signedInActor(
      identity({ source: "ldap", username, externalId: `uid=${username},ou=people,dc=wharf,dc=test`, groups: [{ externalKey: `cn=${cn},ou=groups,dc=wharf,dc=test`, name: cn }] }),
    );
    expect((await projectPermissionsIn(carol, project)).has("repository:push")).toBe(true);
    expect(await db.userGroup.count({ where: { externalKey: `cn=${cn},ou=groups,dc=wharf,dc=test` } })).toBe(1);
  });

  it("a role across projects given to a group reaches every matching project", async () => {
    const { project } = await privateProject();
    const team = uniqueName("platform");
    const group = await db.userGroup.create({ data: { groupType: "oidc", externalKey: team, name: team } });
    await db.projectRoleRule.create({ data: { groupId: group.id, pattern: `${project.name.slice(0, 4)}*`, roleId: DEVELOPER, createdBy: "test" } });
    const dave = await signedInActor(identity({ username: uniqueName("dave"), groups: [{ externalKey: team, name: team }] }));
    expect((await projectPermissionsIn(dave, project)).has("repository:push")).toBe(true);
  });

  it("are listed for administrators and auditors, and deleted by administrators with their memberships (one audit row)", async () => {
    const { owner, project } = await privateProject();
    const team = uniqueName("gone");
    const member = await addProjectGroupMember({ actor: owner, input: { projectId: project.id, groupType: "oidc", groupName: team, roleId: DEVELOPER } });
    const listed = await listUserGroups({ actor: owner, query: { q: team, page: 1, pageSize: 10 } });
    expect(listed.rows.map((g) => [g.name, g.projects])).toEqual([[team, 1]]);
    const plain = actorFor(await createTestUser());
    await expect(listUserGroups({ actor: plain, query: { page: 1, pageSize: 10 } })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(deleteUserGroup({ actor: plain, groupId: member.groupId! })).rejects.toBeInstanceOf(ForbiddenError);
    await deleteUserGroup({ actor: owner, groupId: member.groupId! });
    expect(await db.projectMember.count({ where: { id: member.id } })).toBe(0);
    expect(await db.auditEvent.count({ where: { action: "user_group.delete", resourceName: team } })).toBe(1);
  });
});

describe("accounts of an identity source", () => {
  it("are refused when the username belongs to a local account, with one failure row and nothing changed", async () => {
    const local = await createTestUser();
    const before = await db.user.count();
    await expect(signInExternalUser({ identity: identity({ username: local.username }), onboard: true, client: CLIENT })).rejects.toBeInstanceOf(ExternalSignInRefused);
    expect(await db.user.count()).toBe(before);
    const rows = await db.auditEvent.findMany({ where: { action: "session.sign_in", resourceName: local.username, result: "failure" } });
    expect(rows.map((r) => r.reason)).toEqual(["username taken by a local account"]);
  });

  it("without onboarding, only accounts an administrator created sign in, linked to the identity at the first one", async () => {
    const username = uniqueName("erin");
    await expect(signInExternalUser({ identity: identity({ username }), onboard: false, client: CLIENT })).rejects.toThrow(/no Wharf account for you yet/);
    expect(await db.user.count({ where: { username } })).toBe(0);
    const created = await db.user.create({ data: { username, email: `${username}@example.test`, fullName: username, passwordHash: "!external", authSource: "oidc" } });
    const session = await signInExternalUser({ identity: identity({ username }), onboard: false, client: CLIENT });
    expect(session.id).toBe(created.id);
    expect((await db.user.findUniqueOrThrow({ where: { id: created.id } })).externalId).toBe(`https://idp.test#${username}`);
    // Another subject claiming the same name later is not that account.
    await expect(signInExternalUser({ identity: identity({ username, externalId: "https://idp.test#someone-else" }), onboard: false, client: CLIENT })).rejects.toThrow(
      /belongs to another Wharf account/,
    );
  });

  it("follow the admin group: made administrator while in it, and no longer once out", async () => {
    const username = uniqueName("frank");
    expect((await signedInActor(identity({ username, inAdminGroup: true }))).isAdmin).toBe(true);
    expect((await signedInActor(identity({ username, inAdminGroup: false }))).isAdmin).toBe(false);
    // No admin group configured: the flag set in Wharf stands.
    await db.user.update({ where: { username }, data: { isAdmin: true } });
    expect((await signedInActor(identity({ username, inAdminGroup: null }))).isAdmin).toBe(true);
  });

  it("are refused while disabled", async () => {
    const username = uniqueName("gina");
    await signedInActor(identity({ username }));
    await db.user.update({ where: { username }, data: { disabled: true } });
    await expect(signInExternalUser({ identity: identity({ username }), onboard: true, client: CLIENT })).rejects.toThrow(/disabled/);
  });
});

describe("two-factor sign-in of an OIDC account", () => {
  it("is refused: the identity provider asks for its own second factor", async () => {
    const username = uniqueName("hana");
    const actor = await signedInActor(identity({ username }));
    const { startTwoFactorEnrolment } = await import("@/lib/services/auth/two-factor");
    await expect(startTwoFactorEnrolment({ actor })).rejects.toThrow(/through your identity provider/);
    expect((await db.user.findUniqueOrThrow({ where: { id: actor.id } })).totpPendingSecret).toBeNull();
  });
});

describe("an account of an identity source, as administrators see it", () => {
  it("lists its groups, and its password cannot be reset in Wharf (it is the source's)", async () => {
    const admin = actorFor(await createTestUser({ isAdmin: true }));
    const team = uniqueName("ops");
    const username = uniqueName("ivan");
    const ivan = await signedInActor(identity({ username, groups: [{ externalKey: team, name: team }] }));
    const { listGroupsOfUser } = await import("@/lib/services/identity/user-groups");
    expect((await listGroupsOfUser({ actor: admin, userId: ivan.id })).map((g) => g.name)).toEqual([team]);
    await expect(listGroupsOfUser({ actor: actorFor(await createTestUser()), userId: ivan.id })).rejects.toBeInstanceOf(ForbiddenError);
    const { resetUserPassword } = await import("@/lib/services/users/reset-user-password");
    const before = await db.user.findUniqueOrThrow({ where: { id: ivan.id }, select: { passwordHash: true, sessionVersion: true } });
    await expect(resetUserPassword({ actor: admin, input: { userId: ivan.id, password: "Another-Passw0rd-1" } })).rejects.toThrow(/signs in through OIDC/);
    expect(await db.user.findUniqueOrThrow({ where: { id: ivan.id }, select: { passwordHash: true, sessionVersion: true } })).toEqual(before);
  });
});
