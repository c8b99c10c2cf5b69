import { describe, expect, it } from "vitest";
import type { Actor } from "@/lib/auth/actor";
import { assertProjectPermission, type ProjectRef } from "@/lib/services/authz/project-access";
import {
  ALL_PROJECT_PERMISSIONS,
  AUDITOR_PROJECT_PERMISSIONS,
  isProjectPermission,
  PROJECT_PERMISSION_MATRIX,
  PROJECT_PERMISSIONS,
  PROJECT_ROLES,
  PUBLIC_PROJECT_PERMISSIONS,
  REGISTRY_ACTION_PERMISSIONS,
  ROLE_PERMISSIONS,
  type ProjectPermission,
} from "@/lib/services/authz/project-roles";

/*
 * Type-level: `tsc --noEmit -p .` checks this file, and each `@ts-expect-error` fails the compile
 * if the line below it stops being an error, i.e. if a misspelt permission compiled again.
 */
export const spelledRight: ProjectPermission = "repository:push";
// @ts-expect-error a misspelt resource is not a permission
export const misspeltResource: ProjectPermission = "repositry:push";
// @ts-expect-error an action the resource does not have is not a permission
export const wrongAction: ProjectPermission = "log:delete";
export async function misspeltCheck(actor: Actor, project: ProjectRef): Promise<void> {
  // @ts-expect-error the gate takes only matrix permissions
  await assertProjectPermission(actor, project, "artifact:craete");
}

describe("the project permission matrix", () => {
  const inMap = (permission: string): boolean => {
    const [resource, action] = permission.split(":");
    return (PROJECT_PERMISSIONS as Record<string, readonly string[]>)[resource!]?.includes(action!) ?? false;
  };

  it("gives every role only permissions of the resource -> actions map", () => {
    expect(ROLE_PERMISSIONS.size).toBe(PROJECT_ROLES.length);
    for (const role of PROJECT_ROLES) {
      const granted = [...ROLE_PERMISSIONS.get(role.id)!];
      expect(granted.length, role.label).toBeGreaterThan(0);
      expect(granted.filter((p) => !inMap(p)), role.label).toEqual([]);
    }
  });

  it("lists, in its rows, public, auditor and registry permissions, only actions of their resource", () => {
    const fromRows = PROJECT_PERMISSION_MATRIX.flatMap((row) => row.actions.map((a) => `${row.resource}:${a}`));
    expect(fromRows.filter((p) => !inMap(p))).toEqual([]);
    expect([...PUBLIC_PROJECT_PERMISSIONS, ...AUDITOR_PROJECT_PERMISSIONS].filter((p) => !inMap(p))).toEqual([]);
    expect(Object.values(REGISTRY_ACTION_PERMISSIONS).filter((p) => !inMap(p))).toEqual([]);
  });

  it("names each permission once, and every one is held by some role (none is dead)", () => {
    expect(new Set(ALL_PROJECT_PERMISSIONS).size).toBe(ALL_PROJECT_PERMISSIONS.length);
    const held = new Set([...ROLE_PERMISSIONS.values()].flatMap((set) => [...set]));
    expect(ALL_PROJECT_PERMISSIONS.filter((p) => !held.has(p))).toEqual([]);
  });

  it("narrows strings read from outside only to known permissions", () => {
    expect(isProjectPermission("repository:pull")).toBe(true);
    expect(isProjectPermission("repository:frobnicate")).toBe(false);
    expect(isProjectPermission("repository")).toBe(false);
    expect(isProjectPermission("")).toBe(false);
  });
});
