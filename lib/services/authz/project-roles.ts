/**
 * Harbor's project roles and permission matrix, as data (transcribed from Harbor's
 * src/common/rbac/project/rbac_role.go). One row per (resource, actions) with the roles that hold
 * them and whether anyone, anonymous included, gets them on a public project. Anything not listed
 * is denied. Safe to import from client components (pure data).
 */
export const PROJECT_ROLES = [
  { id: 1, key: "projectAdmin", label: "Project Admin" },
  { id: 4, key: "maintainer", label: "Maintainer" },
  { id: 2, key: "developer", label: "Developer" },
  { id: 3, key: "guest", label: "Guest" },
  { id: 5, key: "limitedGuest", label: "Limited Guest" },
] as const;

export type ProjectRoleId = (typeof PROJECT_ROLES)[number]["id"];
export const PROJECT_ROLE_IDS = PROJECT_ROLES.map((r) => r.id) as ProjectRoleId[];

export function projectRoleLabel(roleId: number): string {
  return PROJECT_ROLES.find((r) => r.id === roleId)?.label ?? `Unknown role ${roleId}`;
}

const PA = 1, DEV = 2, GUEST = 3, MAINT = 4, LG = 5; // prettier-ignore
const ALL = [PA, MAINT, DEV, GUEST, LG];
const MEMBERS = [PA, MAINT, DEV, GUEST];
const WRITERS = [PA, MAINT, DEV];
const CURATORS = [PA, MAINT];
const ADMIN = [PA];

/**
 * Every project permission there is: resource -> its actions. The `ProjectPermission` union is
 * derived from this map, so a permission spelled wrongly anywhere does not compile (a string that
 * is not here would otherwise compile and silently deny).
 */
export const PROJECT_PERMISSIONS = {
  project: ["read", "update", "delete"],
  member: ["create", "update", "delete", "read", "list"],
  // `list` is in Harbor's robot permission map; it lists what `read` reads, so the roles that
  // read metadata hold it too.
  metadata: ["create", "update", "delete", "read", "list"],
  configuration: ["read", "update"],
  log: ["list"],
  label: ["create", "update", "delete", "read", "list"],
  quota: ["read"],
  repository: ["create", "update", "push", "delete", "read", "list", "pull"],
  artifact: ["create", "delete", "read", "list"],
  "artifact-addition": ["read"],
  "artifact-label": ["create", "delete"],
  tag: ["create", "delete", "list"],
  accessory: ["list"],
  scan: ["create", "stop", "read"],
  sbom: ["create", "stop", "read"],
  scanner: ["create", "read"],
  "tag-retention": ["create", "read", "update", "delete", "list", "operate"],
  "immutable-tag": ["create", "update", "delete", "list"],
  robot: ["create", "update", "delete", "read", "list"],
  "notification-policy": ["create", "update", "delete", "read", "list"],
  "preheat-policy": ["create", "read", "update", "delete", "list"],
  "export-cve": ["create", "read", "list"],
} as const;

export type ProjectResource = keyof typeof PROJECT_PERMISSIONS;
export type ProjectAction<R extends ProjectResource = ProjectResource> = (typeof PROJECT_PERMISSIONS)[R][number];
/** `resource:action`, e.g. `repository:push`: only pairs of PROJECT_PERMISSIONS. */
export type ProjectPermission = { [R in ProjectResource]: `${R}:${ProjectAction<R>}` }[ProjectResource];

export type MatrixRow = { resource: ProjectResource; actions: readonly ProjectAction[]; roles: readonly number[]; publicBonus?: boolean };

/** A row whose actions must belong to its resource (checked by the compiler). */
function row<R extends ProjectResource>(
  resource: R,
  actions: readonly ProjectAction<R>[],
  roles: readonly number[],
  publicBonus = false,
): MatrixRow {
  return { resource, actions, roles, ...(publicBonus ? { publicBonus } : {}) };
}

/** Which roles hold which permissions; a permission in no row is held by no role. */
export const PROJECT_PERMISSION_MATRIX: readonly MatrixRow[] = [
  row("project", ["read"], ALL, true),
  row("project", ["update", "delete"], ADMIN),
  row("member", ["create", "update", "delete"], ADMIN),
  row("member", ["read", "list"], MEMBERS),
  row("metadata", ["create", "update", "delete"], ADMIN),
  row("metadata", ["read", "list"], CURATORS),
  row("configuration", ["read"], ALL),
  row("configuration", ["update"], ADMIN),
  row("log", ["list"], ADMIN),
  row("label", ["create", "update", "delete"], CURATORS),
  row("label", ["read", "list"], MEMBERS, true),
  row("quota", ["read"], ALL),
  row("repository", ["create", "update", "push"], WRITERS),
  row("repository", ["delete"], CURATORS),
  row("repository", ["read"], ALL),
  row("repository", ["list", "pull"], ALL, true),
  row("artifact", ["create"], WRITERS),
  row("artifact", ["delete"], CURATORS),
  row("artifact", ["read", "list"], ALL, true),
  row("artifact-addition", ["read"], ALL, true),
  row("artifact-label", ["create", "delete"], WRITERS),
  row("tag", ["create"], WRITERS),
  row("tag", ["delete"], CURATORS),
  row("tag", ["list"], ALL, true),
  row("accessory", ["list"], ALL, true),
  row("scan", ["create", "stop"], CURATORS),
  row("scan", ["read"], ALL, true),
  row("sbom", ["create", "stop"], CURATORS),
  row("sbom", ["read"], ALL),
  row("scanner", ["create"], ADMIN),
  row("scanner", ["read"], ALL, true),
  row("tag-retention", ["create", "read", "update", "delete", "list", "operate"], WRITERS),
  row("immutable-tag", ["create", "update", "delete", "list"], CURATORS),
  row("robot", ["create", "update", "delete"], ADMIN),
  row("robot", ["read", "list"], MEMBERS),
  row("notification-policy", ["create", "update", "delete"], ADMIN),
  row("notification-policy", ["read", "list"], CURATORS),
  row("preheat-policy", ["create", "read", "update", "delete", "list"], ADMIN),
  row("export-cve", ["create", "read", "list"], WRITERS),
];

function permissionsOf(rows: readonly MatrixRow[]): ProjectPermission[] {
  return rows.flatMap((r) => r.actions.map((action) => `${r.resource}:${action}` as ProjectPermission));
}

export const ALL_PROJECT_PERMISSIONS: readonly ProjectPermission[] = (
  Object.entries(PROJECT_PERMISSIONS) as [ProjectResource, readonly ProjectAction[]][]
).flatMap(([resource, actions]) => actions.map((action) => `${resource}:${action}` as ProjectPermission));

const PERMISSION_SET: ReadonlySet<string> = new Set(ALL_PROJECT_PERMISSIONS);

/** Narrows a string read from outside (a stored robot grant, a request) to a known permission. */
export function isProjectPermission(value: string): value is ProjectPermission {
  return PERMISSION_SET.has(value);
}

function permissionsWhere(predicate: (row: MatrixRow) => boolean): ReadonlySet<ProjectPermission> {
  return new Set(permissionsOf(PROJECT_PERMISSION_MATRIX.filter(predicate)));
}

export const ROLE_PERMISSIONS: ReadonlyMap<number, ReadonlySet<ProjectPermission>> = new Map(
  PROJECT_ROLES.map((role) => [role.id, permissionsWhere((row) => row.roles.includes(role.id))]),
);

/** What anyone, anonymous included, may do in a public project. */
export const PUBLIC_PROJECT_PERMISSIONS = permissionsWhere((row) => row.publicBonus === true);

/** The auditor reads everything and changes nothing: every read and list, in every project. */
export const AUDITOR_PROJECT_PERMISSIONS: ReadonlySet<ProjectPermission> = new Set(
  ALL_PROJECT_PERMISSIONS.filter((p) => p.endsWith(":read") || p.endsWith(":list")),
);

/** The registry actions a token can carry, and the matrix permission each one needs. */
export const REGISTRY_ACTION_PERMISSIONS = {
  pull: "repository:pull",
  push: "repository:push",
  delete: "repository:delete",
} as const satisfies Record<string, ProjectPermission>;
export type RegistryAction = keyof typeof REGISTRY_ACTION_PERMISSIONS;
