/**
 * The robot permission picker's model (pure; safe in client components). Everything here is
 * derived from the list the robot service validates against (ROBOT_PROJECT_PERMISSIONS, itself
 * Harbor's matrix without member management), so the picker can never offer a permission the
 * service would refuse, and a permission added to the matrix shows up here without a second copy.
 */
import { PROJECT_PERMISSIONS, type ProjectPermission, type ProjectResource } from "@/lib/services/authz/project-roles";
import { ROBOT_PROJECT_PERMISSIONS } from "@/lib/validation/robot-permissions";

/**
 * Resources in Harbor's matrix that no Wharf service checks: a robot holding them could do nothing
 * with them, so the picker does not offer them (the REST API still accepts them, as Harbor clients
 * send them). permission-picker.test.ts scans the services and fails when one of these gets checked
 * somewhere, so the picker starts offering it when Wharf grows the feature.
 * - preheat-policy: no P2P preheat.
 * - export-cve: no CVE export jobs (the console's CSV export reads scans).
 * - metadata: project metadata changes are checked as project:update.
 * - sbom: SBOM generation is checked as scan:create / scan:read.
 * - accessory, artifact-addition: read along with the artifact (artifact:read).
 */
export const RESOURCES_WHARF_LACKS: ReadonlySet<ProjectResource> = new Set<ProjectResource>([
  "preheat-policy",
  "export-cve",
  "metadata",
  "sbom",
  "accessory",
  "artifact-addition",
]);

const OFFERED: ReadonlySet<string> = new Set(
  ROBOT_PROJECT_PERMISSIONS.filter((p) => !RESOURCES_WHARF_LACKS.has(p.split(":")[0] as ProjectResource)),
);

/** Every permission the picker may offer (before narrowing to what the creator holds). */
export const PICKER_PERMISSIONS: readonly ProjectPermission[] = (ROBOT_PROJECT_PERMISSIONS as readonly ProjectPermission[]).filter((p) => OFFERED.has(p));

/** Column order of the table: the actions of the matrix, in Harbor's usual reading order. */
const ACTION_ORDER = ["pull", "push", "read", "list", "create", "update", "delete", "stop", "operate"];

export type PickerGrid = {
  /** Table columns: every action some offered resource has. */
  actions: string[];
  /** Table rows: a resource and, per column, whether that pair can be ticked. */
  rows: { resource: string; actions: string[] }[];
};

/**
 * The table for a creator: rows are resources, columns actions; a cell exists only when the pair is
 * in the matrix, offered, and (when `held` is given) held by the creator, since a robot never gets
 * more than its creator (the service refuses it anyway).
 */
export function pickerGrid(held?: ReadonlySet<string>): PickerGrid {
  const rows = (Object.entries(PROJECT_PERMISSIONS) as [string, readonly string[]][])
    .map(([resource, actions]) => ({
      resource,
      actions: actions.filter((a) => OFFERED.has(`${resource}:${a}`) && (!held || held.has(`${resource}:${a}`))),
    }))
    .filter((row) => row.actions.length > 0);
  const used = new Set(rows.flatMap((r) => r.actions));
  const actions = [...ACTION_ORDER.filter((a) => used.has(a)), ...[...used].filter((a) => !ACTION_ORDER.includes(a)).sort()];
  return { actions, rows };
}

export function gridPermissions(grid: PickerGrid): string[] {
  return grid.rows.flatMap((r) => r.actions.map((a) => `${r.resource}:${a}`));
}

/** Typed, so a misspelt permission does not compile. */
const PULL: ProjectPermission[] = ["repository:pull"];
const PUSH_PULL: ProjectPermission[] = [...PULL, "repository:push"];
/**
 * A CI pipeline pushes, pulls, looks at what it pushed (artifacts, tags, their scans) and tags
 * releases; it does not delete, scan, or manage the project. Every one of these is held by a
 * Developer, so a Developer's CI robot gets the whole preset.
 */
const CI: ProjectPermission[] = [...PUSH_PULL, "repository:list", "repository:read", "artifact:read", "artifact:list", "tag:create", "tag:list", "scan:read"];

export const ROBOT_PRESETS = [
  { key: "pull", label: "Pull only", permissions: PULL },
  { key: "push-pull", label: "Push and pull", permissions: PUSH_PULL },
  { key: "ci", label: "CI", permissions: CI },
] as const;
export type RobotPresetKey = (typeof ROBOT_PRESETS)[number]["key"];

/**
 * A preset's permissions within a grid: the ones the creator can give, and the ones left out
 * because the creator does not hold them (the form says so instead of silently dropping them).
 */
export function presetPermissions(key: RobotPresetKey, grid: PickerGrid): { permissions: string[]; missing: string[] } {
  const preset = ROBOT_PRESETS.find((p) => p.key === key);
  if (!preset) return { permissions: [], missing: [] };
  const offered = new Set(gridPermissions(grid));
  return {
    permissions: preset.permissions.filter((p) => offered.has(p)),
    missing: preset.permissions.filter((p) => !offered.has(p)),
  };
}

/** Which preset exactly matches a selection, if any (to show it as chosen). */
export function matchingPreset(selected: ReadonlySet<string>, grid: PickerGrid): RobotPresetKey | null {
  for (const preset of ROBOT_PRESETS) {
    const { permissions } = presetPermissions(preset.key, grid);
    if (permissions.length === selected.size && permissions.every((p) => selected.has(p))) return preset.key;
  }
  return null;
}

const DAY = 86_400_000;

/**
 * The list's expiry column: "Never", "Expired", "Expires today" (under half a day left) or
 * "Expires in N days", N rounded to the nearest day: a robot created for 30 days shows 30, not
 * the 29 that its few elapsed seconds would make of a rounding down.
 */
export function expiryLabel(expiresAt: Date | string | null, now: Date = new Date()): string {
  const state = expiryState(expiresAt, now);
  if (state.kind === "never") return "Never";
  if (state.kind === "expired") return "Expired";
  if (state.kind === "today") return "Expires today";
  return `Expires in ${state.days} day${state.days === 1 ? "" : "s"}`;
}

/** What expiryLabel says, as data, for the console to word in its language. */
export function expiryState(expiresAt: Date | string | null, now: Date = new Date()): { kind: "never" | "expired" | "today" | "days"; days: number } {
  if (expiresAt === null) return { kind: "never", days: 0 };
  const left = new Date(expiresAt).getTime() - now.getTime();
  if (left <= 0) return { kind: "expired", days: 0 };
  const days = Math.round(left / DAY);
  if (days === 0) return { kind: "today", days: 0 };
  return { kind: "days", days };
}

/**
 * Harbor's "export to file": the robot's name and secret as JSON, named after the robot. Built in
 * the browser from the one-time answer; Wharf never stores the secret to serve it again.
 */
export function robotExportFile(name: string, secret: string): { filename: string; json: string } {
  return { filename: `${name}.json`, json: JSON.stringify({ name, secret }) };
}
