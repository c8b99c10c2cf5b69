import { beforeAll, describe, expect, it } from "vitest";
import * as auditLogsRoute from "@/app/api/v2.0/audit-logs/route";
import * as projectLogsRoute from "@/app/api/v2.0/projects/[project_name_or_id]/logs/route";
import { MAX_OFFSET } from "@/lib/api/routes/audit-logs";
import { apiRequest, basic, call, errorOf } from "@/lib/api/test-kit";
import { createMember, createProject } from "@/lib/services/registry-auth/test-fixtures";
import { createTestUser, db, uniqueName } from "@/lib/testing/factories";

type AuditLog = {
  id: number;
  username: string;
  resource: string;
  resource_type: string;
  operation: string;
  op_time: string;
  result: string;
  reason: string | null;
  project_id: number | null;
  client_ip: string | null;
  action: string;
  detail: unknown;
};

let prefix: string;
let admin: string;
let auditor: string;
let auditorName: string;
let projectAdmin: string;
let developer: string;
let outsider: string;
let project: { id: number; name: string };
let other: { id: number; name: string };
/** The seeded rows' ids, newest first. */
let allIds: number[];
let projectIds: number[];
const T0 = Date.parse("2026-02-01T00:00:00.000Z");

beforeAll(async () => {
  prefix = uniqueName("apiaudit");
  admin = basic((await createTestUser({ isAdmin: true })).username);
  const auditorUser = await createTestUser({ isAuditor: true });
  auditor = basic(auditorUser.username);
  auditorName = auditorUser.username;
  project = await createProject();
  other = await createProject();
  projectAdmin = basic((await createMember(project.id, 1)).username);
  developer = basic((await createMember(project.id, 2)).username);
  outsider = basic((await createTestUser()).username);
  const created = await db.auditEvent.createManyAndReturn({
    data: Array.from({ length: 25 }, (_, i) => ({
      occurredAt: new Date(T0 + Math.floor(i / 2) * 3_600_000),
      principalKind: "user" as const,
      actorName: `${prefix}-${i % 2 ? "x" : "y"}`,
      action: i % 3 === 0 ? "artifact.delete" : "artifact.pull",
      resourceType: "artifact",
      resourceName: `${project.name}/nginx:${i}`,
      projectId: i % 2 ? project.id : other.id,
      result: i % 5 === 0 ? ("failure" as const) : ("success" as const),
      reason: i % 5 === 0 ? "missing permission repository:delete" : null,
      clientIp: "198.51.100.7",
      detail: { digest: `sha256:${i}` },
    })),
    select: { id: true, occurredAt: true, projectId: true },
  });
  const sorted = [...created].sort((a, b) => b.occurredAt.getTime() - a.occurredAt.getTime() || Number(b.id - a.id));
  allIds = sorted.map((r) => Number(r.id));
  projectIds = sorted.filter((r) => r.projectId === project.id).map((r) => Number(r.id));
});

const list = (query: string, auth?: string, headers?: Record<string, string>) =>
  call(auditLogsRoute.GET, apiRequest(`/audit-logs?${query}`, { ...(auth ? { auth } : {}), ...(headers ? { headers } : {}) }), {});
const projectList = (query: string, auth: string, name: string = project.name) =>
  call(projectLogsRoute.GET, apiRequest(`/projects/${name}/logs?${query}`, { auth }), { project_name_or_id: name });
const q = (terms: string) => `q=${encodeURIComponent(terms)}`;

/** The `rel` URL of a Link header, as a path+query for apiRequest (without the /api/v2.0 prefix). */
function linkOf(res: Response, rel: string): string | null {
  const link = res.headers.get("link") ?? "";
  const m = new RegExp(`<([^>]+)>; rel="${rel}"`).exec(link);
  return m ? m[1]!.replace(/^\/api\/v2\.0/, "") : null;
}

describe("GET /audit-logs", () => {
  it("answers Harbor's AuditLog shape plus Wharf's fields, newest first, with an exact bounded count", async () => {
    const res = await list(`${q(`username=~${prefix}-`)}&page_size=5&sort=-op_time`, auditor);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-total-count")).toBe("25");
    const rows = (await res.json()) as AuditLog[];
    expect(rows.map((r) => r.id)).toEqual(allIds.slice(0, 5));
    // The newest seeded row is i = 24 (see beforeAll).
    expect(rows[0]).toEqual({
      id: allIds[0],
      username: `${prefix}-y`,
      resource: `${project.name}/nginx:24`,
      resource_type: "artifact",
      operation: "delete",
      op_time: "2026-02-01T12:00:00.000Z",
      result: "success",
      reason: null,
      project_id: other.id,
      client_ip: "198.51.100.7",
      action: "artifact.delete",
      detail: { digest: "sha256:24" },
      actor_verified: true,
      count: 1,
    });
  });

  it("pages to the end through the Link header's cursor, each row once, and back with rel=prev", async () => {
    const seen: number[] = [];
    let path: string | null = `/audit-logs?${q(`username=~${prefix}-`)}&page_size=4`;
    let last: Response | undefined;
    for (let guard = 0; path && guard < 20; guard++) {
      last = await call(auditLogsRoute.GET, apiRequest(path, { auth: admin }), {});
      expect(last.status).toBe(200);
      seen.push(...((await last.clone().json()) as AuditLog[]).map((r) => r.id));
      path = linkOf(last, "next");
      if (path) expect(path).toMatch(/[?&]cursor=/);
    }
    expect(seen).toEqual(allIds);
    const prev = linkOf(last!, "prev");
    expect(prev).toMatch(/cursor=/);
    const back = await call(auditLogsRoute.GET, apiRequest(prev!, { auth: admin }), {});
    expect(((await back.json()) as AuditLog[]).map((r) => r.id)).toEqual(allIds.slice(20, 24));
  });

  it("pages with page/page_size as Harbor, up to a bounded offset", async () => {
    const res = await list(`${q(`username=~${prefix}-`)}&page=2&page_size=10`, admin);
    expect(((await res.json()) as AuditLog[]).map((r) => r.id)).toEqual(allIds.slice(10, 20));
    expect(linkOf(res, "prev")).toMatch(/page=1/);
    expect(linkOf(res, "next")).toMatch(/cursor=/);
    const deep = await list(`page=${MAX_OFFSET / 10 + 2}&page_size=10`, admin);
    expect(deep.status).toBe(400);
    expect((await errorOf(deep)).message).toMatch(/Link/);
  });

  it("filters with q: username, operation, result, resource, project_id, op_time", async () => {
    const ids = async (terms: string) => ((await (await list(`${q(terms)}&page_size=100`, admin)).json()) as AuditLog[]).map((r) => r.id);
    const p = `username=~${prefix}-`;
    expect(await ids(`username=${prefix}-x`)).toHaveLength(12);
    expect((await ids(`${p},operation=delete`)).length).toBe(9);
    expect((await ids(`${p},operation=artifact.pull,result=failure`)).length).toBe(3);
    expect(await ids(`${p},resource=${project.name}/nginx:7`)).toHaveLength(1);
    expect(await ids(`${p},resource=~${project.name}/nginx:1`)).toHaveLength(11);
    expect(await ids(`${p},project_id=${project.id}`)).toEqual(projectIds);
    expect(await ids(`${p},op_time=[2026-02-01 00:00:00~2026-02-01 01:00:00]`)).toEqual(allIds.slice(-4));
  });

  it("bad q, cursor or format is a 400 with a message", async () => {
    for (const [query, pattern] of [
      [q("colour=red"), /unsupported key "colour"/],
      [q("op_time=2026-01-01"), /op_time must be a range/],
      [q("op_time=[yesterday~]"), /op_time:/],
      [q("result=maybe"), /result:/],
      [q("operation=drop table"), /operation:/],
      ["cursor=%2E%2E", /cursor/],
      [`cursor=${Buffer.from("o.x.1").toString("base64url")}`, /cursor/],
      ["format=xml", /format/],
      ["sort=op_time", /sort: only -op_time/],
    ] as const) {
      const res = await list(query, admin);
      expect(res.status, query).toBe(400);
      expect((await errorOf(res)).message, query).toMatch(pattern);
    }
  });

  it("is for admins and auditors only", async () => {
    expect((await list("", projectAdmin)).status).toBe(403);
    expect((await list("")).status).toBe(401);
  });
});

describe("GET /projects/{p}/logs", () => {
  it("shows the project's rows to its admin and to auditors, 403 to a developer, 404 to outsiders", async () => {
    const ids = async (auth: string, terms = `username=~${prefix}-`) => ((await (await projectList(`${q(terms)}&page_size=100`, auth)).json()) as AuditLog[]).map((r) => r.id);
    expect(await ids(projectAdmin)).toEqual(projectIds);
    expect(await ids(auditor)).toEqual(projectIds);
    // A project term cannot widen the scope.
    expect(await ids(projectAdmin, `username=~${prefix}-,project_id=${other.id}`)).toEqual(projectIds);
    expect((await projectList("", developer)).status).toBe(403);
    expect((await projectList("", outsider)).status).toBe(404);
    expect((await projectList("", projectAdmin, other.name)).status).toBe(404);
  });
});

describe("CSV variant", () => {
  it("streams the filter as an attachment (format=csv or Accept: text/csv) and records the export", async () => {
    const before = await db.auditEvent.count({ where: { action: "audit_log.export", actorName: auditorName } });
    const res = await list(`format=csv&${q(`username=~${prefix}-,result=failure`)}`, auditor);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="wharf-audit-log-\d{8}-\d{6}\.csv"$/);
    const lines = (await res.text()).split("\r\n").filter(Boolean);
    expect(lines[0]).toBe("id,time,username,principal_kind,operation,resource_type,resource,project,result,reason,client_ip,user_agent,detail,actor_verified,count");
    expect(lines.slice(1).map((l) => Number(l.split(",")[0]))).toHaveLength(5);
    expect(lines[1]).toContain(",failure,missing permission repository:delete,198.51.100.7,");
    expect(await db.auditEvent.count({ where: { action: "audit_log.export", actorName: auditorName } })).toBe(before + 1);

    const viaAccept = await call(
      projectLogsRoute.GET,
      apiRequest(`/projects/${project.name}/logs?${q(`username=~${prefix}-`)}`, { auth: projectAdmin, headers: { accept: "text/csv" } }),
      { project_name_or_id: project.name },
    );
    expect(viaAccept.headers.get("content-disposition")).toContain(`wharf-${project.name}-logs-`);
    const ids = (await viaAccept.text()).split("\r\n").filter(Boolean).slice(1).map((l) => Number(l.split(",")[0]));
    expect(ids).toEqual(projectIds);
    expect((await projectList(`format=csv`, developer)).status).toBe(403);
  });
});
