import { describe, expect, it } from "vitest";
import { systemActor } from "@/lib/auth/actor";
import { AUDIT_OPERATIONS, type AuditAction, projectPermissionOperation } from "@/lib/services/audit/audit-actions";
import { recordAuditEvent, recordRefusal } from "@/lib/services/audit/record-audit-event";
import { db } from "@/lib/testing/factories";

/*
 * Type-level: `tsc --noEmit -p .` checks this file; each `@ts-expect-error` fails the compile if
 * the line below it stops being an error, i.e. if a free-string action compiled again.
 */
export const known: AuditAction = "artifact.copy";
// @ts-expect-error a misspelt operation is not an audit action
export const misspelt: AuditAction = "artifact.cpoy";
// @ts-expect-error a permission's own spelling (`:`) is not an audit action
export const permissionSpelling: AuditAction = "member:delete";
export async function freeStrings(): Promise<void> {
  // @ts-expect-error recordRefusal takes only catalogue names
  await recordRefusal({ actor: systemActor("x"), action: "user.frobnicate", resource: { type: "user" } });
  // @ts-expect-error recordAuditEvent too
  await db.$transaction((tx) => recordAuditEvent(tx, { actor: systemActor("x"), action: "user.frobnicate", resource: { type: "user" } }));
}

describe("the audit action catalogue", () => {
  it("names each operation once, each as resource.verb", () => {
    expect(new Set(AUDIT_OPERATIONS).size).toBe(AUDIT_OPERATIONS.length);
    expect(AUDIT_OPERATIONS.filter((a) => !/^[a-z_]+(\.[a-z_]+)+$/.test(a))).toEqual([]);
  });

  it("names a refused project permission in operation form", () => {
    expect(projectPermissionOperation("member:delete")).toBe("member.delete");
    expect(projectPermissionOperation("artifact-addition:read")).toBe("artifact-addition.read");
  });
});
