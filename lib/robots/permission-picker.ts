/**
 * The robot permission picker's model (pure; safe in client components). Everything here is
 * derived from the list the robot service validates against (ROBOT_PROJECT_PERMISSIONS, itself
 * Harbor's matrix without member management), so the picker can never offer a permission the
 * service would refuse, and a permission added to the matrix shows up here without a second copy.
 */
import { PROJECT_PERMISSIONS, type ProjectPermission, type ProjectResource } from "@/lib/services/authz/project-roles";
import { ROBOT_PROJECT_PERMISSIONS } from "@/lib/validation/robot-permissions";
import { expiryState, type PickerGrid } from "@/lib/robots/picker-model";

export {
  expiryState,
  gridPermissions,
  matchingPreset,
  type PickerGrid,
  presetPermissions,
  ROBOT_PRESETS,
  type RobotPresetKey,
  robotExportFile,
} from "@/lib/robots/picker-model";

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

