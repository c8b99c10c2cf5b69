/**
 * Harbor's project roles and permission matrix, as data (harbor.md §1.2, from Harbor's
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

type MatrixRow = { resource: string; actions: string[]; roles: number[]; publicBonus?: boolean };

export const PROJECT_PERMISSION_MATRIX: readonly MatrixRow[] = [
  { resource: "project", actions: ["read"], roles: ALL, publicBonus: true },
  { resource: "project", actions: ["update", "delete"], roles: ADMIN },
  { resource: "member", actions: ["create", "update", "delete"], roles: ADMIN },
  { resource: "member", actions: ["read", "list"], roles: MEMBERS },
  { resource: "metadata", actions: ["create", "update", "delete"], roles: ADMIN },
  { resource: "metadata", actions: ["read"], roles: CURATORS },
  { resource: "configuration", actions: ["read"], roles: ALL },
  { resource: "configuration", actions: ["update"], roles: ADMIN },
  { resource: "log", actions: ["list"], roles: ADMIN },
  { resource: "label", actions: ["create", "update", "delete"], roles: CURATORS },
  { resource: "label", actions: ["read", "list"], roles: MEMBERS, publicBonus: true },
  { resource: "quota", actions: ["read"], roles: ALL },
  { resource: "repository", actions: ["create", "update", "push"], roles: WRITERS },
  { resource: "repository", actions: ["delete"], roles: CURATORS },
  { resource: "repository", actions: ["read"], roles: ALL },
  { resource: "repository", actions: ["list", "pull"], roles: ALL, publicBonus: true },
  { resource: "artifact", actions: ["create"], roles: WRITERS },
  { resource: "artifact", actions: ["delete"], roles: CURATORS },
  { resource: "artifact", actions: ["read", "list"], roles: ALL, publicBonus: true },
  { resource: "artifact-addition", actions: ["read"], roles: ALL, publicBonus: true },
  { resource: "artifact-label", actions: ["create", "delete"], roles: WRITERS },
  { resource: "tag", actions: ["create"], roles: WRITERS },
  { resource: "tag", actions: ["delete"], roles: CURATORS },
  { resource: "tag", actions: ["list"], roles: ALL, publicBonus: true },
  { resource: "accessory", actions: ["list"], roles: ALL, publicBonus: true },
  { resource: "scan", actions: ["create", "stop"], roles: CURATORS },
  { resource: "scan", actions: ["read"], roles: ALL, publicBonus: true },
  { resource: "sbom", actions: ["create", "stop"], roles: CURATORS },
  { resource: "sbom", actions: ["read"], roles: ALL },
  { resource: "scanner", actions: ["create"], roles: ADMIN },
  { resource: "scanner", actions: ["read"], roles: ALL, publicBonus: true },
  { resource: "tag-retention", actions: ["create", "read", "update", "delete", "list", "operate"], roles: WRITERS },
  { resource: "immutable-tag", actions: ["create", "update", "delete", "list"], roles: CURATORS },
  { resource: "robot", actions: ["create", "update", "delete"], roles: ADMIN },
  { resource: "robot", actions: ["read", "list"], roles: MEMBERS },
  { resource: "notification-policy", actions: ["create", "update", "delete"], roles: ADMIN },
  { resource: "notification-policy", actions: ["read", "list"], roles: CURATORS },
  { resource: "preheat-policy", actions: ["create", "read", "update", "delete", "list"], roles: ADMIN },
  { resource: "export-cve", actions: ["create", "read", "list"], roles: WRITERS },
];

/** `resource:action`, e.g. `repository:push`. */
export type ProjectPermission = `${string}:${string}`;

export const ALL_PROJECT_PERMISSIONS: readonly ProjectPermission[] = PROJECT_PERMISSION_MATRIX.flatMap((row) =>
  row.actions.map((action) => `${row.resource}:${action}` as ProjectPermission),
);

function permissionsWhere(predicate: (row: MatrixRow) => boolean): ReadonlySet<ProjectPermission> {
  return new Set(
    PROJECT_PERMISSION_MATRIX.filter(predicate).flatMap((row) =>
      row.actions.map((action) => `${row.resource}:${action}` as ProjectPermission),
    ),
  );
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
