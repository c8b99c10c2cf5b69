import { afterEach, describe, expect, it, vi } from "vitest";

/*
 * A NUL (or another C0 control character) at every edge where one used to reach Postgres, which
 * refuses NUL in text with error 22021 (answered as a 500): refused with a 400 naming the field, or
 * a 401 for credentials. Three of these edges are reachable without signing in.
 */

const state = vi.hoisted(() => {
  process.env.WHARF_EXTERNAL_URL = "http://wharf.test:3000";
  // Nothing here reaches the registry; the gateway's catalog for a user reads the index only.
  process.env.WHARF_REGISTRY_URL = "http://127.0.0.1:9";
  return { actor: undefined as unknown };
});

vi.mock("@/lib/auth/session", () => ({
  getActor: async () => state.actor,
  requireUserActor: async () => state.actor,
}));
vi.mock("next/cache", () => ({ revalidatePath: () => undefined, revalidateTag: () => undefined }));

import { createUserAction } from "@/app/(console)/admin/users/actions";
import { addMemberAction } from "@/app/(console)/projects/[projectId]/members/actions";
import * as artifactRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/route";
import * as tagRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/tags/[tag_name]/route";
import * as membersRoute from "@/app/api/v2.0/projects/[project_name_or_id]/members/route";
import * as repositoryRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/route";
import * as projectsRoute from "@/app/api/v2.0/projects/route";
import * as auditLogsRoute from "@/app/api/v2.0/audit-logs/route";
import { toActionError } from "@/lib/actions/action-result";
import { errorResponse } from "@/lib/api/errors";
import { apiRequest, auditCount, basic, call, createTestUser, db, errorOf } from "@/lib/api/test-kit";
import { handleRegistryRequest } from "@/lib/gateway/gateway";
import { handleTokenRequest } from "@/lib/gateway/token-endpoint";
import { issueRegistryToken } from "@/lib/services/registry-auth/issue-token";
import { REGISTRY_SERVICE } from "@/lib/services/registry-auth/constants";
import { createProject, TEST_CLIENT } from "@/lib/services/registry-auth/test-fixtures";
import { actorFor, uniqueName } from "@/lib/testing/factories";
import { ZSignIn } from "@/lib/validation/users";

const NUL = "\u0000";
const basicRaw = (username: string, password = "whatever-Passw0rd") => `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;

afterEach(() => {
  state.actor = undefined;
  vi.restoreAllMocks();
});

function form(fields: Record<string, string | number>): FormData {
  const data = new FormData();
  for (const [k, v] of Object.entries(fields)) data.append(k, String(v));
  return data;
}

describe("credentials with a control character in the username", () => {
  it("REST Basic auth: 401 with a message, no 500 (unauthenticated)", async () => {
    const res = await call(projectsRoute.GET, apiRequest("/projects", { auth: basicRaw(`admin${NUL}x`) }), {});
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("Basic");
    expect((await errorOf(res)).message).toBe("The username must not contain control characters.");
  });

  it("the token service: 401 (unauthenticated)", async () => {
    const res = await handleTokenRequest(
      new Request(`http://wharf.test:3000/service/token?service=${REGISTRY_SERVICE}`, { headers: { authorization: basicRaw(`a${NUL}b`) } }),
    );
    expect(res.status).toBe(401);
  });

  it("Basic credentials straight on /v2: 401 (unauthenticated)", async () => {
    const res = await handleRegistryRequest(new Request("http://wharf.test:3000/v2/_catalog", { headers: { authorization: basicRaw(`a${NUL}b`) } }));
    expect(res.status).toBe(401);
  });

  it("the console sign-in form's schema refuses it", () => {
    const parsed = ZSignIn.safeParse({ username: `a${NUL}b`, password: "x" });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe("Must not contain control characters");
  });
});

describe("REST query parameters and path segments", () => {
  it("a NUL in q or name is a 400 naming the parameter (unauthenticated)", async () => {
    const q = await call(projectsRoute.GET, apiRequest(`/projects?q=${encodeURIComponent(`name=~a${NUL}`)}`), {});
    expect(q.status).toBe(400);
    expect((await errorOf(q)).message).toBe("q: Must not contain control characters");
    const name = await call(projectsRoute.GET, apiRequest("/projects?name=a%00b"), {});
    expect(name.status).toBe(400);
    expect((await errorOf(name)).message).toBe("name: Must not contain control characters");
  });

  it("other control characters too, in the audit log filter", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const res = await call(auditLogsRoute.GET, apiRequest(`/audit-logs?q=${encodeURIComponent("resource=~lib\u0001")}`, { auth: basic(admin.username) }), {});
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toBe("q: Must not contain control characters");
  });

  it("a NUL in a tag reference or tag name is a 400", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const project = await createProject();
    const auth = basic(admin.username);
    const get = await call(artifactRoute.GET, apiRequest(`/projects/${project.name}/repositories/app/artifacts/1.0%00`, { auth }), {
      project_name_or_id: project.name,
      repository_name: "app",
      reference: `1.0${NUL}`,
    });
    expect(get.status).toBe(400);
    expect((await errorOf(get)).message).toBe("reference: Must not contain control characters");
    const del = await call(tagRoute.DELETE, apiRequest(`/projects/${project.name}/repositories/app/artifacts/1.0/tags/x%00`, { method: "DELETE", auth }), {
      project_name_or_id: project.name,
      repository_name: "app",
      reference: "1.0",
      tag_name: `x${NUL}`,
    });
    expect(del.status).toBe(400);
    expect((await errorOf(del)).message).toBe("tag_name: Must not contain control characters");
  });
});

describe("REST JSON bodies", () => {
  it("a NUL in any string is a 400 naming the field, and nothing changes", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const project = await createProject();
    const before = await auditCount();
    const res = await call(
      membersRoute.POST,
      apiRequest(`/projects/${project.id}/members`, { method: "POST", auth: basic(admin.username), body: { role_id: 2, member_user: { username: `x${NUL}` } } }),
      { project_name_or_id: String(project.id) },
    );
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toBe("member_user.username: Must not contain control characters");
    expect(await db.projectMember.count({ where: { projectId: project.id } })).toBe(0);
    expect(await auditCount()).toBe(before);
  });

  it("a description keeps its line breaks and tabs, but not a NUL", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const project = await createProject();
    const repository = await db.repository.create({ data: { projectId: project.id, name: `${project.name}/app` } });
    const put = (description: string) =>
      call(repositoryRoute.PUT, apiRequest(`/projects/${project.name}/repositories/app`, { method: "PUT", auth: basic(admin.username), body: { description } }), {
        project_name_or_id: project.name,
        repository_name: "app",
      });
    expect((await put("# Title\r\n\n\tindented")).status).toBe(200);
    const refused = await put(`bad${NUL}`);
    expect(refused.status).toBe(400);
    expect((await errorOf(refused)).message).toBe("description: Must not contain control characters");
    expect((await db.repository.findUniqueOrThrow({ where: { id: repository.id } })).description).toBe("# Title\r\n\n\tindented");
  });
});

describe("the /v2 catalog's last", () => {
  it("a NUL in last is a 400 NAME_INVALID, not a 500", async () => {
    const user = await createTestUser();
    const { token } = await issueRegistryToken({ authorization: basic(user.username), service: REGISTRY_SERVICE, scopes: [], client: TEST_CLIENT });
    const res = await handleRegistryRequest(new Request("http://wharf.test:3000/v2/_catalog?last=a%00b", { headers: { authorization: `Bearer ${token}` } }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe("NAME_INVALID");
  });
});

describe("server actions", () => {
  it("a NUL in a form field is a field error, and nothing changes", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const project = await createProject();
    state.actor = actorFor(admin);
    const errorLog = vi.spyOn(console, "error");
    const member = await addMemberAction({ ok: false }, form({ projectId: project.id, username: `a${NUL}b`, roleId: 2 }));
    expect(member).toMatchObject({ ok: false, fieldErrors: { username: ["Must not contain control characters"] } });
    const username = uniqueName("nul");
    const user = await createUserAction({ ok: false }, form({ username, email: `${username}@example.test`, fullName: `Full${NUL}Name`, password: "Walk-new-Passw0rd" }));
    expect(user).toMatchObject({ ok: false, fieldErrors: { fullName: ["Must not contain control characters"] } });
    expect(await db.user.count({ where: { username } })).toBe(0);
    expect(errorLog).not.toHaveBeenCalled();
  });
});

describe("a NUL that still reaches Postgres (22021)", () => {
  async function postgresNulError(): Promise<unknown> {
    return db.user.findUnique({ where: { username: `a${NUL}b` } }).then(
      () => {
        throw new Error("Postgres accepted a NUL");
      },
      (err: unknown) => err,
    );
  }

  it("REST answers 400, not 500", async () => {
    const errorLog = vi.spyOn(console, "error");
    const res = errorResponse(await postgresNulError(), { requestId: "r1", challenge: false });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("BAD_REQUEST");
    expect(errorLog).not.toHaveBeenCalled();
  });

  it("a server action answers with a message, not 'something went wrong'", async () => {
    const errorLog = vi.spyOn(console, "error");
    expect(toActionError(await postgresNulError())).toEqual({ ok: false, message: "The request contains a value that cannot be stored (such as a NUL byte or a number out of range).", fieldErrors: {} });
    expect(errorLog).not.toHaveBeenCalled();
  });
});

describe("a route without dynamic segments", () => {
  it("answers when Next passes no params at all (its production server resolves them to undefined)", async () => {
    const res = await call(projectsRoute.GET, apiRequest("/projects"), undefined as never);
    expect(res.status).toBe(200);
    const refused = await call(projectsRoute.GET, apiRequest(`/projects?name=a${NUL}b`), undefined as never);
    expect(refused.status).toBe(400);
  });
});
