/**
 * The part of the robot permission picker's model that the browser runs (the picker table, the
 * robot rows, the one-time secret), with no value imports: permission-picker.ts derives the grid
 * from the permission matrix (lib/services/authz/project-roles, 2-3 KB gzip of data) on the
 * server, and re-exports everything here, so nothing that imported it changes.
 */
import type { ProjectPermission } from "@/lib/services/authz/project-roles";

export type PickerGrid = {
  /** Table columns: every action some offered resource has. */
  actions: string[];
  /** Table rows: a resource and, per column, whether that pair can be ticked. */
  rows: { resource: string; actions: string[] }[];
};

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
