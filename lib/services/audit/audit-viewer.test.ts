import { beforeAll, describe, expect, it } from "vitest";
import { ForbiddenError, NotFoundError, ValidationError } from "@/lib/errors";
import { boundedCount, COUNT_BOUND, resolveAuditFilter } from "@/lib/services/audit/audit-query";
import { csvCell, csvLine, EXPORT_BATCH_SIZE, exportAuditEvents } from "@/lib/services/audit/export-audit-events";
import { listAuditEvents } from "@/lib/services/audit/list-audit-events";
import { listProjectAuditEvents } from "@/lib/services/audit/list-project-audit-events";
import { createMember, createProject } from "@/lib/services/registry-auth/test-fixtures";
import { actorFor, createTestUser, db, uniqueName } from "@/lib/testing/factories";
import { auditFilterToQ, parseAuditQ, type TAuditFilter, ZAuditFilter, ZAuditLogSearch } from "@/lib/validation/audit";

type Seed = {
  occurredAt: Date;
  actorName: string;
  action: string;
  resourceType: string;
  resourceName: string;
  projectId: number | null;
  result: "success" | "failure";
};

/** Inserts rows directly (test data, not audited actions) and returns them with their ids. */
async function insert(rows: Seed[]) {
  const created = await db.auditEvent.createManyAndReturn({
    data: rows.map((r) => ({ ...r, principalKind: "user" as const, reason: r.result === "failure" ? "missing permission" : null, detail: { seed: true } })),
    select: { id: true, occurredAt: true, actorName: true, action: true, resourceType: true, resourceName: true, projectId: true, result: true },
  });
  return created;
}

type Inserted = Awaited<ReturnType<typeof insert>>[number];

/** The viewer's order: newest first, ties by id descending. */
function newestFirst(rows: Inserted[]): string[] {
  return [...rows]
    .sort((a, b) => b.occurredAt.getTime() - a.occurredAt.getTime() || (b.id > a.id ? 1 : b.id < a.id ? -1 : 0))
    .map((r) => r.id.toString());
}

let admin: Awaited<ReturnType<typeof createTestUser>>;
let auditor: Awaited<ReturnType<typeof createTestUser>>;
let projectA: Awaited<ReturnType<typeof createProject>>;
let projectB: Awaited<ReturnType<typeof createProject>>;
let adminOfA: Awaited<ReturnType<typeof createTestUser>>;
let developerOfA: Awaited<ReturnType<typeof createTestUser>>;
let prefix: string;
let rows: Inserted[];
const T0 = Date.parse("2026-03-01T12:00:00.000Z");

beforeAll(async () => {
  admin = await createTestUser({ isAdmin: true });
  auditor = await createTestUser({ isAuditor: true });
  projectA = await createProject();
  projectB = await createProject();
  adminOfA = await createMember(projectA.id, 1);
  developerOfA = await createMember(projectA.id, 2);
  prefix = uniqueName("av");
  const seeds: Seed[] = [];
  for (let i = 0; i < 60; i++) {
    seeds.push({
      // Groups of three rows share a timestamp, so paging must break ties by id.
      occurredAt: new Date(T0 + Math.floor(i / 3) * 60_000),
      actorName: `${prefix}-${i % 2 === 0 ? "alice" : "bob"}`,
      action: ["thing.create", "thing.delete", "other.delete", "other.pull"][i % 4]!,
      resourceType: i % 4 < 2 ? `${prefix}-thing` : `${prefix}-other`,
      resourceName: i % 5 === 0 ? `lib/nginx:${i}` : `lib/redis:${i}`,
      projectId: i % 3 === 0 ? projectA.id : i % 3 === 1 ? projectB.id : null,
      result: i % 7 === 0 ? "failure" : "success",
    });
  }
  rows = await insert(seeds);
});

/** Every row of the system list for a filter, walking all pages. */
async function walk(filter: Partial<TAuditFilter>, pageSize = 10): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 1000; guard++) {
    const page = await listAuditEvents({ actor: actorFor(admin), filter, pageSize, cursor });
    ids.push(...page.rows.map((r) => r.id));
    if (!page.older) return ids;
    cursor = page.older;
  }
  throw new Error("paging did not end");
}

const mine = () => ({ user: `${prefix}-*` });

describe("audit viewer filters", () => {
  it("each filter narrows to exactly the matching rows, newest first", async () => {
    const cases: [Partial<TAuditFilter>, (r: Inserted) => boolean][] = [
      [{ user: `${prefix}-alice` }, (r) => r.actorName === `${prefix}-alice`],
      [{ ...mine(), op: "thing.delete" }, (r) => r.action === "thing.delete"],
      [{ ...mine(), op: "delete" }, (r) => r.action.endsWith(".delete")],
      [{ ...mine(), type: `${prefix}-other` }, (r) => r.resourceType === `${prefix}-other`],
      [{ ...mine(), resource: "lib/nginx" }, (r) => r.resourceName!.startsWith("lib/nginx")],
      [{ ...mine(), resourceIs: "lib/nginx:10" }, (r) => r.resourceName === "lib/nginx:10"],
      [{ ...mine(), project: projectB.name }, (r) => r.projectId === projectB.id],
      [{ ...mine(), project: String(projectA.id) }, (r) => r.projectId === projectA.id],
      [{ ...mine(), result: "failure" }, (r) => r.result === "failure"],
      [
        { ...mine(), from: new Date(T0 + 5 * 60_000), to: new Date(T0 + 9 * 60_000) },
        (r) => r.occurredAt.getTime() >= T0 + 5 * 60_000 && r.occurredAt.getTime() <= T0 + 9 * 60_000,
      ],
      [{ ...mine(), op: "delete", result: "success", project: projectA.name }, (r) => r.action.endsWith(".delete") && r.result === "success" && r.projectId === projectA.id],
    ];
    for (const [filter, match] of cases) {
      const expected = newestFirst(rows.filter(match));
      expect(expected.length, JSON.stringify(filter)).toBeGreaterThan(0);
      expect(expected.length, JSON.stringify(filter)).toBeLessThan(rows.length);
      expect(await walk(filter), JSON.stringify(filter)).toEqual(expected);
    }
  });

  it("a user prefix treats LIKE wildcards literally", async () => {
    expect(await walk({ user: `${prefix.replace(/-/g, "_")}-*` })).toEqual([]);
    expect(await walk({ user: "%*" })).toEqual([]);
  });

  it("an unknown project name is a field error, an unknown verb matches nothing", async () => {
    await expect(listAuditEvents({ actor: actorFor(admin), filter: { project: "no-such-project-x" }, pageSize: 10 })).rejects.toMatchObject({
      fieldErrors: { project: [expect.stringContaining("No project named")] },
    });
    expect(await walk({ ...mine(), op: "frobnicate" })).toEqual([]);
  });
});

describe("audit viewer keyset paging", () => {
  it("walks every row once, in order, also across equal timestamps, and walks back with Newer", async () => {
    const expected = newestFirst(rows);
    for (const size of [10, 7, 3]) expect(await walk(mine(), size)).toEqual(expected);

    // Forward to the last page, then back with the newer cursors: the same pages in reverse.
    const pages: string[][] = [];
    let page = await listAuditEvents({ actor: actorFor(admin), filter: mine(), pageSize: 10 });
    expect(page.newer).toBeNull();
    pages.push(page.rows.map((r) => r.id));
    while (page.older) {
      page = await listAuditEvents({ actor: actorFor(admin), filter: mine(), pageSize: 10, cursor: page.older });
      pages.push(page.rows.map((r) => r.id));
    }
    const back: string[][] = [page.rows.map((r) => r.id)];
    while (page.newer) {
      page = await listAuditEvents({ actor: actorFor(admin), filter: mine(), pageSize: 10, cursor: page.newer });
      back.unshift(page.rows.map((r) => r.id));
    }
    expect(back).toEqual(pages);
  });

  it("a bad cursor is a 400, not a 500", async () => {
    for (const cursor of ["not-a-cursor", Buffer.from("x.1.2").toString("base64url"), "%%%"]) {
      await expect(listAuditEvents({ actor: actorFor(admin), filter: {}, pageSize: 10, cursor })).rejects.toBeInstanceOf(ValidationError);
    }
  });

  it("counts exactly up to the bound and says more beyond it", async () => {
    const resolved = await resolveAuditFilter(mine());
    expect(await boundedCount(resolved, 5_000)).toEqual({ count: 60, exact: true });
  });
});

describe("audit viewer scoping", () => {
  it("a project's admin sees that project's rows only; a developer is refused; the auditor sees everything", async () => {
    const projectRows = (p: { id: number }) => newestFirst(rows.filter((r) => r.projectId === p.id));
    const pageOf = async (actor: Parameters<typeof listProjectAuditEvents>[0]["actor"], project: number, filter: Partial<TAuditFilter> = mine()) =>
      (await listProjectAuditEvents({ actor, project, filter, pageSize: 100 })).rows.map((r) => r.id);

    expect(await pageOf(actorFor(adminOfA), projectA.id)).toEqual(projectRows(projectA));
    // A project filter in the URL cannot widen the tab's scope.
    expect(await pageOf(actorFor(adminOfA), projectA.id, { ...mine(), project: projectB.name })).toEqual(projectRows(projectA));
    await expect(pageOf(actorFor(adminOfA), projectB.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(listAuditEvents({ actor: actorFor(adminOfA), filter: {}, pageSize: 10 })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(pageOf(actorFor(developerOfA), projectA.id)).rejects.toBeInstanceOf(ForbiddenError);

    expect(await pageOf(actorFor(auditor), projectA.id)).toEqual(projectRows(projectA));
    expect(await pageOf(actorFor(auditor), projectB.id)).toEqual(projectRows(projectB));
    expect((await listAuditEvents({ actor: actorFor(auditor), filter: mine(), pageSize: 100 })).rows.map((r) => r.id)).toEqual(newestFirst(rows));
  });
});

describe("audit filter schema and q", () => {
  it("bad values are field errors", () => {
    const parsed = ZAuditLogSearch.safeParse({ user: "a*b", op: "drop table", result: "maybe", from: "yesterday", size: "500", cursor: "../x" });
    expect(parsed.success).toBe(false);
    const fields = new Set(parsed.error!.issues.map((i) => String(i.path[0])));
    expect(fields).toEqual(new Set(["user", "op", "result", "from", "size", "cursor"]));
    const reversed = ZAuditLogSearch.safeParse({ from: "2026-01-02T00:00", to: "2026-01-01T00:00" });
    expect(reversed.error?.issues.map((i) => i.path[0])).toEqual(["to"]);
  });

  it("reads UTC times and page sizes from the URL", () => {
    const parsed = ZAuditLogSearch.parse({ from: "2026-01-01T10:30", to: "2026-01-02 00:00:00", size: ["50", "10"] });
    expect(parsed.from?.toISOString()).toBe("2026-01-01T10:30:00.000Z");
    expect(parsed.to?.toISOString()).toBe("2026-01-02T00:00:00.000Z");
    expect(parsed.size).toBe(50);
    expect(ZAuditLogSearch.parse({}).size).toBe(25);
  });

  it("q round-trips the console filter and refuses what it cannot do", () => {
    const filter = ZAuditFilter.parse({ user: "ali*", op: "delete", type: "artifact", resource: "lib/nginx", project: "team-a", result: "failure", from: "2026-01-01T00:00", to: "2026-01-02T00:00" });
    const back = parseAuditQ(auditFilterToQ(filter));
    expect(back.ok && ZAuditFilter.parse(back.filter)).toEqual(filter);
    expect(parseAuditQ("username=admin,operation=delete,resource_type=artifact,resource=~nginx,op_time=[2026-01-01 00:00:00~2026-01-02 00:00:00]")).toEqual({
      ok: true,
      filter: { user: "admin", op: "delete", type: "artifact", resource: "nginx", from: "2026-01-01 00:00:00", to: "2026-01-02 00:00:00" },
    });
    for (const bad of ["color=red", "username", "result=~fail", "op_time=2026-01-01", "username=a,username=b", "project_id=x", "operation={a b}"]) {
      expect(parseAuditQ(bad).ok, bad).toBe(false);
    }
  });
});

describe("audit CSV export", () => {
  it("quotes cells and neutralises spreadsheet formulas", () => {
    expect(csvCell('say "hi", then\nleave')).toBe('"say ""hi"", then\nleave"');
    expect(csvCell("=HYPERLINK(\"http://x\")")).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(csvCell("+1")).toBe("'+1");
    expect(csvCell("-2")).toBe("'-2");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("\tx")).toBe("'\tx");
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell(null)).toBe("");
    expect(csvLine(["a", "b,c"])).toBe('a,"b,c"\r\n');
  });

  it("streams 20,000 rows in several chunks, each row once, and records the export", async () => {
    const big = uniqueName("bulk");
    const n = 20_000;
    const seeds: Seed[] = Array.from({ length: n }, (_, i) => ({
      occurredAt: new Date(T0 - Math.floor(i / 4) * 1000),
      actorName: big,
      action: "bulk.write",
      resourceType: "bulk",
      resourceName: i === 0 ? '=cmd|"/c calc"!A0' : `r-${i}`,
      projectId: null,
      result: "success",
    }));
    const inserted: Inserted[] = [];
    for (let i = 0; i < n; i += 5_000) inserted.push(...(await insert(seeds.slice(i, i + 5_000))));

    expect(await boundedCount(await resolveAuditFilter({ user: big }), 5_000)).toEqual({ count: COUNT_BOUND, exact: false });

    const before = await db.auditEvent.count({ where: { action: "audit_log.export", actorName: auditor.username } });
    const { filename, stream } = await exportAuditEvents({ actor: actorFor(auditor), filter: { user: big } });
    expect(filename).toMatch(/^wharf-audit-log-\d{8}-\d{6}\.csv$/);
    const exportRow = await db.auditEvent.findFirstOrThrow({ where: { action: "audit_log.export", actorName: auditor.username }, orderBy: { id: "desc" } });
    expect(await db.auditEvent.count({ where: { action: "audit_log.export", actorName: auditor.username } })).toBe(before + 1);
    expect(exportRow).toMatchObject({ result: "success", resourceType: "audit_log", detail: expect.objectContaining({ q: `username=${big}`, filter: { user: big } }) });

    const reader = stream.getReader();
    const decoder = new TextDecoder();
    let chunks = 0;
    let text = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks++;
      text += decoder.decode(value, { stream: true });
    }
    // A header chunk plus one chunk per batch.
    expect(chunks).toBe(1 + Math.ceil(n / EXPORT_BATCH_SIZE));
    const lines = text.split("\r\n").filter(Boolean);
    expect(lines[0]).toBe("id,time,username,principal_kind,operation,resource_type,resource,project,result,reason,client_ip,user_agent,detail,actor_verified,count");
    expect(lines).toHaveLength(n + 1);
    const ids = lines.slice(1).map((l) => l.slice(0, l.indexOf(",")));
    expect(ids).toEqual(newestFirst(inserted));
    expect(text).toContain(`,"'=cmd|""/c calc""!A0",`);
    // 20,000 inserts and a full export: a generous budget for a loaded CI machine, not a speed check.
  }, 180_000);

  it("refuses a project export to a developer and scopes it for the project admin", async () => {
    await expect(exportAuditEvents({ actor: actorFor(developerOfA), filter: {}, project: projectA.id })).rejects.toBeInstanceOf(ForbiddenError);
    const { stream, filename } = await exportAuditEvents({ actor: actorFor(adminOfA), filter: mine(), project: projectA.id });
    expect(filename).toContain(projectA.name);
    const text = await new Response(stream).text();
    const ids = text.split("\r\n").filter(Boolean).slice(1).map((l) => l.slice(0, l.indexOf(",")));
    expect(ids).toEqual(newestFirst(rows.filter((r) => r.projectId === projectA.id)));
  });
});
