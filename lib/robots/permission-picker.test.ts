import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  expiryLabel,
  gridPermissions,
  matchingPreset,
  PICKER_PERMISSIONS,
  pickerGrid,
  presetPermissions,
  RESOURCES_WHARF_LACKS,
  robotExportFile,
} from "@/lib/robots/permission-picker";
import { PROJECT_PERMISSIONS, ROLE_PERMISSIONS } from "@/lib/services/authz/project-roles";
import { ROBOT_PROJECT_PERMISSIONS, ZRobotPermission } from "@/lib/validation/robots";

const DEVELOPER = 2;
const GUEST = 3;

/** Non-test TypeScript under lib/ and app/, minus the files that only list permissions. */
function sourceFiles(): string[] {
  const out: string[] = [];
  const skip = new Set(["lib/services/authz/project-roles.ts", "lib/robots/permission-picker.ts", "lib/validation/robots.ts", "lib/api/openapi.ts"]);
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (name === "generated" || name === "node_modules" || name === "testing") continue;
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) && !skip.has(path.relative(process.cwd(), full))) out.push(full);
    }
  };
  walk(path.join(process.cwd(), "lib"));
  walk(path.join(process.cwd(), "app"));
  return out;
}

describe("the picker offers only what Wharf has", () => {
  const sources = sourceFiles().map((f) => readFileSync(f, "utf8"));
  const checked = (resource: string) => {
    const actions = (PROJECT_PERMISSIONS as Record<string, readonly string[]>)[resource]!.join("|");
    const pattern = new RegExp(`["'\`]${resource.replace(/-/g, "\\-")}:(${actions})(["'\`]|\\$\\{)|["'\`]${resource.replace(/-/g, "\\-")}:\\$\\{`);
    return sources.some((s) => pattern.test(s));
  };

  it("every offered permission is one the service accepts for a robot", () => {
    for (const p of PICKER_PERMISSIONS) {
      expect(ROBOT_PROJECT_PERMISSIONS).toContain(p);
      expect(ZRobotPermission.safeParse(p).success).toBe(true);
    }
    expect(PICKER_PERMISSIONS.some((p) => p.startsWith("member:"))).toBe(false);
  });

  it("no resource the services never check is offered, and every offered resource is checked somewhere", () => {
    const offered = new Set(PICKER_PERMISSIONS.map((p) => p.split(":")[0]!));
    for (const resource of offered) expect(checked(resource), `${resource} is offered but no service checks it`).toBe(true);
    for (const resource of RESOURCES_WHARF_LACKS) {
      expect(checked(resource), `${resource} is checked by a service now: offer it (remove it from RESOURCES_WHARF_LACKS)`).toBe(false);
    }
    expect(offered.has("repository")).toBe(true);
    expect(offered.has("label")).toBe(true);
    expect(offered.has("preheat-policy")).toBe(false);
  });
});

describe("pickerGrid", () => {
  it("has a cell only where the matrix has the pair, as a resource × action table", () => {
    const grid = pickerGrid();
    const repository = grid.rows.find((r) => r.resource === "repository")!;
    expect(repository.actions).toEqual(expect.arrayContaining(["pull", "push", "delete"]));
    expect(grid.rows.find((r) => r.resource === "log")!.actions).toEqual(["list"]);
    expect(grid.actions.slice(0, 2)).toEqual(["pull", "push"]);
    expect(new Set(gridPermissions(grid))).toEqual(new Set(PICKER_PERMISSIONS));
  });

  it("narrows to what the creator holds", () => {
    const guest = pickerGrid(ROLE_PERMISSIONS.get(GUEST)!);
    const perms = gridPermissions(guest);
    expect(perms).toContain("repository:pull");
    expect(perms).not.toContain("repository:push");
    expect(perms).not.toContain("robot:create");
    expect(guest.actions).not.toContain("push");
  });
});

describe("presets", () => {
  it("pull only, push and pull, CI", () => {
    const grid = pickerGrid();
    expect(presetPermissions("pull", grid).permissions).toEqual(["repository:pull"]);
    expect(presetPermissions("push-pull", grid).permissions).toEqual(["repository:pull", "repository:push"]);
    const ci = presetPermissions("ci", grid);
    expect(ci.permissions).toEqual(expect.arrayContaining(["repository:pull", "repository:push", "artifact:read", "tag:create", "tag:list"]));
    expect(ci.permissions).not.toContain("artifact:delete");
    expect(ci.missing).toEqual([]);
  });

  it("a Developer's CI robot gets the whole preset; a Guest's loses push and tag creation, named as missing", () => {
    expect(presetPermissions("ci", pickerGrid(ROLE_PERMISSIONS.get(DEVELOPER)!)).missing).toEqual([]);
    const guest = presetPermissions("ci", pickerGrid(ROLE_PERMISSIONS.get(GUEST)!));
    expect(guest.missing).toEqual(expect.arrayContaining(["repository:push", "tag:create"]));
    expect(guest.permissions).toContain("repository:pull");
    expect(guest.permissions).not.toContain("repository:push");
  });

  it("every preset permission is in the service's list (no permission that would be refused)", () => {
    const grid = pickerGrid();
    for (const key of ["pull", "push-pull", "ci"] as const) expect(presetPermissions(key, grid).missing).toEqual([]);
  });

  it("matchingPreset recognises a preset's exact selection only", () => {
    const grid = pickerGrid();
    expect(matchingPreset(new Set(["repository:pull"]), grid)).toBe("pull");
    expect(matchingPreset(new Set(presetPermissions("ci", grid).permissions), grid)).toBe("ci");
    expect(matchingPreset(new Set(["repository:pull", "artifact:delete"]), grid)).toBeNull();
  });
});

describe("expiryLabel", () => {
  const now = new Date("2026-01-01T12:00:00Z");
  it("counts days left, to the nearest day (a 30-day robot a few seconds old shows 30)", () => {
    expect(expiryLabel(null, now)).toBe("Never");
    expect(expiryLabel(new Date("2026-01-31T12:00:00Z"), now)).toBe("Expires in 30 days");
    expect(expiryLabel(new Date("2026-01-31T11:59:50Z"), now)).toBe("Expires in 30 days");
    expect(expiryLabel(new Date("2026-01-30T23:00:00Z"), now)).toBe("Expires in 29 days");
    expect(expiryLabel(new Date("2026-01-02T13:00:00Z"), now)).toBe("Expires in 1 day");
    expect(expiryLabel("2026-01-01T23:00:00.000Z", now)).toBe("Expires today");
    expect(expiryLabel(new Date("2026-01-01T12:00:00Z"), now)).toBe("Expired");
    expect(expiryLabel(new Date("2025-12-01T00:00:00Z"), now)).toBe("Expired");
  });
});

describe("robotExportFile", () => {
  it("is Harbor's {name, secret} JSON, named after the robot", () => {
    const file = robotExportFile("robot$team+ci", "s3cr3t");
    expect(file.filename).toBe("robot$team+ci.json");
    expect(JSON.parse(file.json)).toEqual({ name: "robot$team+ci", secret: "s3cr3t" });
  });
});
