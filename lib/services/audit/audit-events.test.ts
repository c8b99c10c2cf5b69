import { describe, expect, it } from "vitest";
import { systemActor } from "@/lib/auth/actor";
import { ForbiddenError } from "@/lib/errors";
import type { AuditAction } from "@/lib/services/audit/audit-actions";
import { listAuditEvents } from "@/lib/services/audit/list-audit-events";
import { recordAuditEvent, redactSecrets } from "@/lib/services/audit/record-audit-event";
import { actorFor, createTestUser, db, uniqueName } from "@/lib/testing/factories";

describe("audit events", () => {
  it("are append-only in Postgres: UPDATE, DELETE and TRUNCATE fail", async () => {
    const name = uniqueName("immutable");
    await db.$transaction((tx) =>
      recordAuditEvent(tx, { actor: systemActor("test"), action: "test.write" as AuditAction, resource: { type: "test", name } }),
    );
    const row = await db.auditEvent.findFirstOrThrow({ where: { resourceName: name } });

    await expect(db.auditEvent.update({ where: { id: row.id }, data: { action: "tampered" } })).rejects.toThrow(/append-only/);
    await expect(db.auditEvent.delete({ where: { id: row.id } })).rejects.toThrow(/append-only/);
    await expect(db.$executeRawUnsafe("DELETE FROM audit_events")).rejects.toThrow(/append-only/);
    await expect(db.$executeRawUnsafe("TRUNCATE audit_events")).rejects.toThrow(/append-only/);
    expect(await db.auditEvent.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ action: "test.write" });
  });

  it("redact secrets at any depth", () => {
    expect(
      redactSecrets({ password: "p", nested: { robotSecret: "s", list: [{ token: "t", name: "ok" }] }, email: "a@b.c" }),
    ).toEqual({ password: "[REDACTED]", nested: { robotSecret: "[REDACTED]", list: [{ token: "[REDACTED]", name: "ok" }] }, email: "a@b.c" });
  });

  it("a row is written with its transaction or not at all", async () => {
    const name = uniqueName("rollback");
    await expect(
      db.$transaction(async (tx) => {
        await recordAuditEvent(tx, { actor: systemActor("test"), action: "test.write" as AuditAction, resource: { type: "test", name } });
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await db.auditEvent.count({ where: { resourceName: name } })).toBe(0);
  });

  it("the admin list shows the newest rows first and refuses non-admins", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const member = await createTestUser();
    const name = uniqueName("latest");
    await db.$transaction((tx) => recordAuditEvent(tx, { actor: actorFor(admin), action: "test.latest" as AuditAction, resource: { type: "test", name } }));
    const page = await listAuditEvents({ actor: actorFor(admin), filter: {}, pageSize: 5 });
    expect(page.rows[0]).toMatchObject({ action: "test.latest", resourceName: name, actorName: admin.username });
    await expect(listAuditEvents({ actor: actorFor(member), filter: {}, pageSize: 5 })).rejects.toBeInstanceOf(ForbiddenError);
  });
});
