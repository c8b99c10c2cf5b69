import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemActor } from "@/lib/auth/actor";
import { ForbiddenError, ValidationError } from "@/lib/errors";
import { startAuditForwarder } from "@/lib/jobs/audit-forwarder";
import type { AuditAction } from "@/lib/services/audit/audit-actions";
import {
  forwardAuditEventsOnce,
  getForwardingStatus,
  newGapTracker,
  readForwardingSettings,
  updateForwardingSettings,
} from "@/lib/services/audit/forward-audit-events";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { formatRfc5424, frameOctetCounted, TcpSyslogSender } from "@/lib/syslog/tcp-syslog";
import { actorFor, createTestUser, db, uniqueName } from "@/lib/testing/factories";

/** A real syslog receiver on loopback: TCP, RFC 6587 octet-counted frames. */
class SyslogReceiver {
  readonly messages: string[] = [];
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  async start(port = 0): Promise<void> {
    const server = net.createServer((socket) => {
      this.sockets.add(socket);
      let buffer = Buffer.alloc(0);
      socket.on("data", (chunk) => {
        buffer = Buffer.concat([buffer, chunk]);
        for (;;) {
          const space = buffer.indexOf(0x20);
          if (space < 0) break;
          const length = Number(buffer.subarray(0, space).toString("ascii"));
          if (!Number.isInteger(length)) throw new Error(`bad frame: ${buffer.subarray(0, 40).toString()}`);
          if (buffer.length < space + 1 + length) break;
          this.messages.push(buffer.subarray(space + 1, space + 1 + length).toString("utf8"));
          buffer = buffer.subarray(space + 1 + length);
        }
      });
      socket.on("close", () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", resolve);
    });
    this.server = server;
    this.port = (server.address() as net.AddressInfo).port;
  }

  /** Down: refuses connections and drops the ones it had. */
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  /** Each message's row id and its JSON payload. */
  rows(): { id: string; pri: string; payload: Record<string, unknown> }[] {
    return this.messages.map((m) => {
      const match = /^<(\d+)>1 (\S+) (\S+) wharf (\d+) audit \[audit@32473 id="(\d+)" action="[^"]*" result="(success|failure)"\] (.*)$/s.exec(m);
      if (!match) throw new Error(`not an RFC 5424 audit message: ${m.slice(0, 200)}`);
      return { pri: match[1]!, id: match[5]!, payload: JSON.parse(match[7]!) as Record<string, unknown> };
    });
  }
}

async function writeRow(name: string, result: "success" | "failure" = "success"): Promise<void> {
  await db.$transaction((tx) =>
    recordAuditEvent(tx, { actor: systemActor("test"), action: "test.forward" as AuditAction, resource: { type: "test", name }, result, detail: { note: 'quote " and ] and\nnewline' } }),
  );
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting: ${what}`);
}

const maxId = async () => (await db.auditEvent.aggregate({ _max: { id: true } }))._max.id ?? BigInt(0);

const receiver = new SyslogReceiver();
let admin: ReturnType<typeof actorFor>;

beforeAll(async () => {
  admin = actorFor(await createTestUser({ isAdmin: true }));
  await receiver.start();
});

afterAll(async () => {
  // Leave forwarding off for the test files that start a worker after this one.
  await updateForwardingSettings({ actor: admin, input: { enabled: false } }).catch(() => undefined);
  await receiver.stop();
});

describe("syslog message format", () => {
  it("is RFC 5424 with octet-counting framing and escaped structured data", () => {
    const message = formatRfc5424({
      timestamp: new Date("2026-11-25T20:00:00.123Z"),
      hostname: "wharf host",
      appName: "wharf",
      procId: "42",
      msgId: "audit",
      severity: 6,
      structuredData: { id: "audit@32473", params: { action: 'a"b]c\\d' } },
      message: "héllo",
    });
    expect(message).toBe('<110>1 2026-11-25T20:00:00.123Z wharfhost wharf 42 audit [audit@32473 action="a\\"b\\]c\\\\d"] héllo');
    expect(frameOctetCounted("héllo")).toBe("6 héllo");
  });
});

describe("audit forwarding settings", () => {
  it("bad endpoints are refused with field errors and change nothing; refusals are audited", async () => {
    const before = await readForwardingSettings();
    for (const input of [
      { enabled: true, host: "", port: 514 },
      { enabled: true, host: "syslog.example.com", port: 0 },
      { enabled: true, host: "syslog.example.com", port: 70000 },
      { enabled: true, host: "tcp://syslog.example.com", port: 514 },
      { enabled: true, host: "syslog.example.com:514", port: 514 },
      { enabled: true, host: "bad host", port: "x" },
    ]) {
      const error = await updateForwardingSettings({ actor: admin, input }).catch((e: unknown) => e);
      expect(error, JSON.stringify(input)).toBeInstanceOf(ValidationError);
      expect(Object.keys((error as ValidationError).fieldErrors).length).toBeGreaterThan(0);
    }
    expect(await readForwardingSettings()).toEqual(before);

    const auditorUser = await createTestUser({ isAuditor: true });
    const member = actorFor(await createTestUser());
    const input = { enabled: true, host: "127.0.0.1", port: receiver.port };
    await expect(updateForwardingSettings({ actor: actorFor(auditorUser), input })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(updateForwardingSettings({ actor: member, input })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(getForwardingStatus({ actor: member })).rejects.toBeInstanceOf(ForbiddenError);
    expect(await getForwardingStatus({ actor: actorFor(auditorUser) })).toMatchObject({ enabled: before.enabled });
    expect(await db.auditEvent.count({ where: { actorName: auditorUser.username, result: "failure", resourceType: "audit_log" } })).toBe(1);
    expect(await readForwardingSettings()).toEqual(before);
  });

  it("forwards every row written after enabling, framed and parseable, and none from before", async () => {
    const history = uniqueName("history");
    await writeRow(history);
    const startAfter = await maxId();
    await updateForwardingSettings({ actor: admin, input: { enabled: true, host: "127.0.0.1", port: String(receiver.port) } });
    const update = await db.auditEvent.findFirstOrThrow({ where: { action: "audit_log.forwarding.update" }, orderBy: { id: "desc" } });
    expect(update.detail).toMatchObject({ after: { enabled: true, host: "127.0.0.1", port: receiver.port } });
    expect((await getForwardingStatus({ actor: admin })).cursor).toBe(String(startAfter));

    const tag = uniqueName("live");
    await writeRow(tag);
    await writeRow(tag, "failure");
    const sender = new TcpSyslogSender("127.0.0.1", receiver.port);
    const gap = newGapTracker();
    try {
      const outcome = await forwardAuditEventsOnce({ send: (frames) => sender.send(frames), gap });
      expect(outcome.sent).toBe(3);
      await until(() => receiver.messages.length >= 3, "three messages");
    } finally {
      sender.close();
    }
    const rows = receiver.rows();
    expect(rows.map((r) => r.id)).toEqual([String(update.id), String(update.id + BigInt(1)), String(update.id + BigInt(2))]);
    expect(rows.some((r) => r.payload.resourceName === history)).toBe(false);
    expect(rows[1]).toMatchObject({ pri: "110", payload: { action: "test.forward", resourceName: tag, result: "success", actorName: "system:test" } });
    expect(rows[2]).toMatchObject({ pri: "109", payload: { result: "failure", detail: { note: 'quote " and ] and\nnewline' } } });
    expect(await getForwardingStatus({ actor: admin })).toMatchObject({ cursor: String(update.id + BigInt(2)), lag: 0, lastError: null });
  });

  it("a downed endpoint gets the rows it missed once it is back, none skipped, in order", async () => {
    await receiver.stop();
    const before = receiver.messages.length;
    const tag = uniqueName("missed");
    for (let i = 0; i < 5; i++) await writeRow(`${tag}-${i}`);
    const sender = new TcpSyslogSender("127.0.0.1", receiver.port);
    const gap = newGapTracker();
    try {
      await expect(forwardAuditEventsOnce({ send: (frames) => sender.send(frames), gap })).rejects.toThrow(/ECONNREFUSED/);
      const status = await getForwardingStatus({ actor: admin });
      expect(status.lag).toBe(5);

      // The worker's loop: it records the error, backs off, and delivers once the receiver is back.
      const forwarder = startAuditForwarder({ pollMs: 50, minBackoffMs: 50, maxBackoffMs: 200, log: () => undefined });
      try {
        await until(async () => (await getForwardingStatus({ actor: admin })).lastError !== null, "the error recorded");
        expect((await getForwardingStatus({ actor: admin })).lastError).toMatch(/ECONNREFUSED/);
        await receiver.start(receiver.port);
        await until(() => receiver.messages.length >= before + 5, "the missed rows");
        for (let i = 5; i < 8; i++) await writeRow(`${tag}-${i}`);
        await until(() => receiver.messages.length >= before + 8, "the rows after recovery");
        await until(async () => (await getForwardingStatus({ actor: admin })).lag === 0, "lag 0");
      } finally {
        await forwarder.stop();
      }
    } finally {
      sender.close();
    }
    const sent = receiver.rows().slice(before);
    expect(sent.map((r) => r.payload.resourceName)).toEqual(Array.from({ length: 8 }, (_, i) => `${tag}-${i}`));
    // No row skipped: every id the database holds after the first one sent, and nothing else.
    const all = receiver.rows().map((r) => BigInt(r.id));
    const inDb = await db.auditEvent.findMany({ where: { id: { gte: all[0]!, lte: all.at(-1)! } }, select: { id: true }, orderBy: { id: "asc" } });
    expect([...new Set(all)].sort((a, b) => (a < b ? -1 : 1))).toEqual(inDb.map((r) => r.id));
  }, 30_000);

  it("one forwarder at a time: a second process stands by until the first stops renewing its lease", async () => {
    const sender = new TcpSyslogSender("127.0.0.1", receiver.port);
    const forward = (forwarderId?: string) => forwardAuditEventsOnce({ send: (frames) => sender.send(frames), gap: newGapTracker(), forwarderId });
    try {
      await forward();
      const before = receiver.messages.length;
      const tag = uniqueName("lease");
      await writeRow(tag);
      expect(await forward("other-process")).toMatchObject({ sent: 0, standby: true });
      expect((await forward()).sent).toBe(1);
      // The holder stopped renewing (its lease ran out): the other takes over, and this one stands by.
      await db.$executeRaw`UPDATE system_settings SET value = value || '{"leaseUntil": "2000-01-01T00:00:00Z"}'::jsonb WHERE key = 'audit_forwarding_state'`;
      await writeRow(tag);
      expect((await forward("other-process")).sent).toBe(1);
      expect(await forward()).toMatchObject({ sent: 0, standby: true });
      await until(() => receiver.messages.length >= before + 2, "both rows, once each");
      expect(receiver.rows().slice(before).map((r) => r.payload.resourceName)).toEqual([tag, tag]);
    } finally {
      // Hand the lease back to this process for the tests after this one.
      await db.$executeRaw`UPDATE system_settings SET value = value - 'owner' WHERE key = 'audit_forwarding_state'`;
      sender.close();
    }
  });

  it("waits at a row still being written instead of skipping it, and passes a rolled-back one", async () => {
    const sender = new TcpSyslogSender("127.0.0.1", receiver.port);
    const gap = newGapTracker();
    const forward = () => forwardAuditEventsOnce({ send: (frames) => sender.send(frames), gap });
    const tag = uniqueName("gap");
    try {
      await forward();
      const before = receiver.messages.length;

      // A transaction takes an id and stays open while a later row commits.
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let inserted!: () => void;
      const insertedP = new Promise<void>((r) => (inserted = r));
      const slow = db.$transaction(
        async (tx) => {
          await recordAuditEvent(tx, { actor: systemActor("test"), action: "test.forward" as AuditAction, resource: { type: "test", name: `${tag}-slow` } });
          inserted();
          await held;
        },
        { timeout: 20_000 },
      );
      await insertedP;
      await writeRow(`${tag}-fast`);
      for (let i = 0; i < 4; i++) expect((await forward()).sent).toBe(0);
      release();
      await slow;
      expect((await forward()).sent).toBe(2);
      await until(() => receiver.messages.length >= before + 2, "both rows");
      expect(receiver.rows().slice(before).map((r) => r.payload.resourceName)).toEqual([`${tag}-slow`, `${tag}-fast`]);

      // A rolled-back row leaves a hole for good: the tail passes it after confirming that.
      await expect(
        db.$transaction(async (tx) => {
          await recordAuditEvent(tx, { actor: systemActor("test"), action: "test.forward" as AuditAction, resource: { type: "test", name: `${tag}-gone` } });
          throw new Error("rolled back");
        }),
      ).rejects.toThrow("rolled back");
      await writeRow(`${tag}-after`);
      let sent = 0;
      for (let i = 0; i < 5 && sent === 0; i++) sent = (await forward()).sent;
      expect(sent).toBe(1);
      await until(() => receiver.messages.length >= before + 3, "the row after the hole");
      expect(receiver.rows().at(-1)?.payload.resourceName).toBe(`${tag}-after`);
    } finally {
      sender.close();
    }
  }, 30_000);
});
