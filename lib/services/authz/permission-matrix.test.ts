import { beforeAll, describe, expect, it } from "vitest";
import { anonymousActor, type Actor } from "@/lib/auth/actor";
import { verifyRegistryCredentials } from "@/lib/services/auth/verify-registry-credentials";
import { projectPermissionsIn, type ProjectRef } from "@/lib/services/authz/project-access";
import { ALL_PROJECT_PERMISSIONS } from "@/lib/services/authz/project-roles";
import { createProjectRobot } from "@/lib/services/robots/robots";
import { actorFor, createTestUser, db, uniqueName } from "@/lib/testing/factories";

/*
 * Harbor's project permission matrix (what Harbor's src/common/rbac/project/rbac_role.go grants
 * each role), transcribed BY HAND. Deliberately not derived from PROJECT_PERMISSION_MATRIX: this
 * table is the independent second copy that catches transcription errors in project-roles.ts.
 * Rows that cover several actions (create / update / delete) are spelled out one action per line.
 *
 * Columns: PA = ProjectAdmin, MA = Maintainer, DE = Developer, GU = Guest, LG = LimitedGuest,
 * PUB = the public-project bonus (what anyone, anonymous included, gets on a public project).
 */
const Y = true;
const _ = false;
type Row = readonly [resource: string, action: string, pa: boolean, ma: boolean, de: boolean, gu: boolean, lg: boolean, pub: boolean];

// prettier-ignore
const HARBOR_MATRIX: readonly Row[] = [
  //  resource               action      PA MA DE GU LG PUB
  ["project",             "read",     Y, Y, Y, Y, Y, Y],
  ["project",             "update",   Y, _, _, _, _, _],
  ["project",             "delete",   Y, _, _, _, _, _],

  ["member",              "create",   Y, _, _, _, _, _],
  ["member",              "update",   Y, _, _, _, _, _],
  ["member",              "delete",   Y, _, _, _, _, _],
  ["member",              "read",     Y, Y, Y, Y, _, _],
  ["member",              "list",     Y, Y, Y, Y, _, _],

  ["metadata",            "create",   Y, _, _, _, _, _],
  ["metadata",            "update",   Y, _, _, _, _, _],
  ["metadata",            "delete",   Y, _, _, _, _, _],
  ["metadata",            "read",     Y, Y, _, _, _, _],
  ["metadata",            "list",     Y, Y, _, _, _, _],

  ["configuration",       "read",     Y, Y, Y, Y, Y, _],
  ["configuration",       "update",   Y, _, _, _, _, _],

  ["log",                 "list",     Y, _, _, _, _, _],

  ["label",               "create",   Y, Y, _, _, _, _],
  ["label",               "update",   Y, Y, _, _, _, _],
  ["label",               "delete",   Y, Y, _, _, _, _],
  ["label",               "read",     Y, Y, Y, Y, _, Y],
  ["label",               "list",     Y, Y, Y, Y, _, Y],

  ["quota",               "read",     Y, Y, Y, Y, Y, _],

  ["repository",          "create",   Y, Y, Y, _, _, _],
  ["repository",          "update",   Y, Y, Y, _, _, _],
  ["repository",          "delete",   Y, Y, _, _, _, _],
  ["repository",          "read",     Y, Y, Y, Y, Y, _],
  ["repository",          "list",     Y, Y, Y, Y, Y, Y],
  ["repository",          "pull",     Y, Y, Y, Y, Y, Y],
  ["repository",          "push",     Y, Y, Y, _, _, _],

  ["artifact",            "create",   Y, Y, Y, _, _, _],
  ["artifact",            "delete",   Y, Y, _, _, _, _],
  ["artifact",            "read",     Y, Y, Y, Y, Y, Y],
  ["artifact",            "list",     Y, Y, Y, Y, Y, Y],

  ["artifact-addition",   "read",     Y, Y, Y, Y, Y, Y],

  ["artifact-label",      "create",   Y, Y, Y, _, _, _],
  ["artifact-label",      "delete",   Y, Y, Y, _, _, _],

  ["tag",                 "create",   Y, Y, Y, _, _, _],
  ["tag",                 "delete",   Y, Y, _, _, _, _],
  ["tag",                 "list",     Y, Y, Y, Y, Y, Y],

  ["accessory",           "list",     Y, Y, Y, Y, Y, Y],

  ["scan",                "create",   Y, Y, _, _, _, _],
  ["scan",                "stop",     Y, Y, _, _, _, _],
  ["scan",                "read",     Y, Y, Y, Y, Y, Y],

  ["sbom",                "create",   Y, Y, _, _, _, _],
  ["sbom",                "stop",     Y, Y, _, _, _, _],
  ["sbom",                "read",     Y, Y, Y, Y, Y, _],

  ["scanner",             "create",   Y, _, _, _, _, _],
  ["scanner",             "read",     Y, Y, Y, Y, Y, Y],

  ["tag-retention",       "create",   Y, Y, Y, _, _, _],
  ["tag-retention",       "read",     Y, Y, Y, _, _, _],
  ["tag-retention",       "update",   Y, Y, Y, _, _, _],
  ["tag-retention",       "delete",   Y, Y, Y, _, _, _],
  ["tag-retention",       "list",     Y, Y, Y, _, _, _],
  ["tag-retention",       "operate",  Y, Y, Y, _, _, _],

  ["immutable-tag",       "create",   Y, Y, _, _, _, _],
  ["immutable-tag",       "update",   Y, Y, _, _, _, _],
  ["immutable-tag",       "delete",   Y, Y, _, _, _, _],
  ["immutable-tag",       "list",     Y, Y, _, _, _, _],

  ["robot",               "create",   Y, _, _, _, _, _],
  ["robot",               "update",   Y, _, _, _, _, _],
  ["robot",               "delete",   Y, _, _, _, _, _],
  ["robot",               "read",     Y, Y, Y, Y, _, _],
  ["robot",               "list",     Y, Y, Y, Y, _, _],

  ["notification-policy", "create",   Y, _, _, _, _, _],
  ["notification-policy", "update",   Y, _, _, _, _, _],
  ["notification-policy", "delete",   Y, _, _, _, _, _],
  ["notification-policy", "read",     Y, Y, _, _, _, _],
  ["notification-policy", "list",     Y, Y, _, _, _, _],

  ["preheat-policy",      "create",   Y, _, _, _, _, _],
  ["preheat-policy",      "read",     Y, _, _, _, _, _],
  ["preheat-policy",      "update",   Y, _, _, _, _, _],
  ["preheat-policy",      "delete",   Y, _, _, _, _, _],
  ["preheat-policy",      "list",     Y, _, _, _, _, _],

  ["export-cve",          "create",   Y, Y, Y, _, _, _],
  ["export-cve",          "read",     Y, Y, Y, _, _, _],
  ["export-cve",          "list",     Y, Y, Y, _, _, _],
];

const perm = (row: Row) => `${row[0]}:${row[1]}`;
const ALL = HARBOR_MATRIX.map(perm);
const BONUS = new Set(HARBOR_MATRIX.filter((r) => r[7]).map(perm));
const READS = new Set(ALL.filter((p) => p.endsWith(":read") || p.endsWith(":list")));

/** Harbor role ids (src/common/const.go) and the matrix column each one reads. */
const MEMBER_ROLES = [
  { role: "ProjectAdmin", roleId: 1, column: 2 },
  { role: "Maintainer", roleId: 4, column: 3 },
  { role: "Developer", roleId: 2, column: 4 },
  { role: "Guest", roleId: 3, column: 5 },
  { role: "LimitedGuest", roleId: 5, column: 6 },
] as const;

/** The single grant the robot column holds, on the private project only. */
const ROBOT_GRANT = "repository:push";

type Visibility = "private" | "public";
type RoleName = (typeof MEMBER_ROLES)[number]["role"] | "system admin" | "auditor" | "non-member user" | "anonymous" | "robot (one grant)";

/** What each role should hold: the hand-written table above, and for the roles outside it the rules written next to each case. */
function expectedFor(role: RoleName, visibility: Visibility): Set<string> {
  const bonus = visibility === "public" ? BONUS : new Set<string>();
  const member = MEMBER_ROLES.find((m) => m.role === role);
  if (member) return new Set([...HARBOR_MATRIX.filter((r) => r[member.column]).map(perm), ...bonus]);
  switch (role) {
    case "system admin":
      return new Set(ALL); // every permission, public or not, member or not
    case "auditor":
      return new Set([...READS, ...bonus]); // every read and list, no write (plus what anyone gets)
    case "non-member user":
    case "anonymous":
      return new Set(bonus); // exactly the bonus on public projects, nothing on private ones
    case "robot (one grant)":
      return new Set([...(visibility === "private" ? [ROBOT_GRANT] : []), ...bonus]);
  }
  throw new Error(`no expectation for ${role}`);
}

const ROLES: RoleName[] = [
  ...MEMBER_ROLES.map((m) => m.role),
  "system admin",
  "auditor",
  "non-member user",
  "anonymous",
  "robot (one grant)",
];
const VISIBILITIES: Visibility[] = ["private", "public"];

const tag = uniqueName("mx");
const actors = new Map<RoleName, Actor>();
const projects = new Map<Visibility, ProjectRef>();
/** granted.get(`${role}|${visibility}`) = the set the service computed. */
const granted = new Map<string, Set<string>>();

beforeAll(async () => {
  const owner = await createTestUser();
  for (const visibility of VISIBILITIES) {
    const project = await db.project.create({
      data: { name: `${tag}-${visibility}`, isPublic: visibility === "public", ownerId: owner.id },
      select: { id: true, name: true, isPublic: true },
    });
    projects.set(visibility, project);
  }
  // One user per member role, a member of BOTH projects with that role.
  for (const { role, roleId } of MEMBER_ROLES) {
    const user = await createTestUser();
    for (const project of projects.values()) await db.projectMember.create({ data: { projectId: project.id, userId: user.id, roleId } });
    actors.set(role, actorFor(user));
  }
  const admin = await createTestUser({ isAdmin: true });
  actors.set("system admin", actorFor(admin));
  actors.set("auditor", actorFor(await createTestUser({ isAuditor: true })));
  // A member of some other project, to make sure memberships do not leak across projects.
  const outsider = await createTestUser();
  const elsewhere = await db.project.create({ data: { name: `${tag}-elsewhere`, ownerId: outsider.id }, select: { id: true } });
  await db.projectMember.create({ data: { projectId: elsewhere.id, userId: outsider.id, roleId: 1 } });
  actors.set("non-member user", actorFor(outsider));
  actors.set("anonymous", anonymousActor());
  // A real robot, created through the service and authenticated like a registry client would be.
  const { robot, secret } = await createProjectRobot({
    actor: actorFor(admin),
    input: { projectId: projects.get("private")!.id, name: "matrix", description: "", durationDays: -1, permissions: [ROBOT_GRANT] },
  });
  actors.set("robot (one grant)", await verifyRegistryCredentials({ username: robot.name, password: secret, client: { ip: null, userAgent: null } }));

  for (const role of ROLES) {
    for (const visibility of VISIBILITIES) {
      granted.set(`${role}|${visibility}`, await projectPermissionsIn(actors.get(role)!, projects.get(visibility)!));
    }
  }
});

describe("the transcribed table", () => {
  it("has no duplicate (resource, action) rows", () => {
    expect(new Set(ALL).size).toBe(ALL.length);
  });

  it("names exactly the permissions project-roles.ts defines (no row missing, none extra)", () => {
    expect([...ALL_PROJECT_PERMISSIONS].sort()).toEqual([...ALL].sort());
  });
});

describe.each(VISIBILITIES)("on a %s project", (visibility) => {
  describe.each(ROLES)("%s", (role) => {
    it("holds exactly the expected set of permissions (nothing outside the matrix either)", () => {
      expect([...granted.get(`${role}|${visibility}`)!].sort()).toEqual([...expectedFor(role, visibility)].sort());
    });

    it.each(ALL.map((permission) => ({ permission, verdict: expectedFor(role, visibility).has(permission) ? "allowed" : "denied" })))(
      "$permission is $verdict",
      ({ permission, verdict }) => {
        expect(granted.get(`${role}|${visibility}`)!.has(permission) ? "allowed" : "denied").toBe(verdict);
      },
    );
  });
});

describe("membership rows", () => {
  it("cannot hold an unknown role id (refused by Postgres itself)", async () => {
    const user = await createTestUser();
    const project = projects.get("private")!;
    await expect(db.projectMember.create({ data: { projectId: project.id, userId: user.id, roleId: 9 } })).rejects.toThrow(
      /not a Harbor project role/i,
    );
    await expect(db.projectMember.create({ data: { projectId: project.id, userId: user.id, roleId: 0 } })).rejects.toThrow();
    expect(await db.projectMember.count({ where: { userId: user.id } })).toBe(0);
  });
});
