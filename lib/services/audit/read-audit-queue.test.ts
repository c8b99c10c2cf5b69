import { describe, expect, it } from "vitest";
import { flushWriteBehind } from "@/lib/cache/write-behind";
import { AUDIT_BATCH_MAX_ROWS, flushReadAuditEvents, queueReadAuditEvent } from "@/lib/services/audit/record-audit-event";
import { actorFor, createTestUser, db, uniqueName } from "@/lib/testing/factories";

/** Rows of reads (registry pulls) are queued and written after the answer, in batches. */
describe("queued audit rows of reads", () => {
  const client = { ip: "198.51.100.7", userAgent: "queue-test" };

  it("writes nothing until flushed, then every row with the time of its read, in the order queued", async () => {
    const user = await createTestUser();
    const actor = { ...actorFor(user), client };
    const resource = uniqueName("queued");
    const times = [new Date("2026-11-30T10:00:00.000Z"), new Date("2026-11-30T10:00:01.250Z"), new Date("2026-11-30T10:00:02.500Z")];
    times.forEach((at, i) => queueReadAuditEvent({ actor, action: "artifact.pull", resource: { type: "artifact", name: `${resource}:${i}` } }, at));
    const rows = () => db.auditEvent.findMany({ where: { resourceName: { startsWith: `${resource}:` } }, orderBy: { id: "asc" } });
    expect(await rows()).toEqual([]);

    await flushReadAuditEvents();
    const written = await rows();
    expect(written.map((r) => [r.resourceName, r.occurredAt.toISOString(), r.actorName, r.clientIp, r.result])).toEqual(
      times.map((at, i) => [`${resource}:${i}`, at.toISOString(), user.username, client.ip, "success"]),
    );
    await flushReadAuditEvents();
    expect(await rows()).toHaveLength(3); // written once
  });

  it("is written by shutdown's flush of every batch, and by itself, with nobody flushing, once queued", async () => {
    const user = await createTestUser();
    const actor = { ...actorFor(user), client };
    const resource = uniqueName("queued-shutdown");
    queueReadAuditEvent({ actor, action: "artifact.pull", resource: { type: "artifact", name: `${resource}:one` } });
    await flushWriteBehind();
    expect(await db.auditEvent.count({ where: { resourceName: `${resource}:one` } })).toBe(1);

    for (let i = 0; i < AUDIT_BATCH_MAX_ROWS; i++) {
      queueReadAuditEvent({ actor, action: "artifact.pull", resource: { type: "artifact", name: `${resource}:full` } });
    }
    // A full batch starts its write at once (and the timer writes a partial one): no flush here.
    await expect.poll(() => db.auditEvent.count({ where: { resourceName: `${resource}:full` } }), { timeout: 10_000 }).toBe(AUDIT_BATCH_MAX_ROWS);
  });
});
