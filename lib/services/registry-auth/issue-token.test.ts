import { describe, expect, it, vi } from "vitest";

vi.hoisted(() => {
  process.env.WHARF_SECRET_KEY ??= "registry-auth-tests-secret-key-0123456789";
});

import { UnauthenticatedError, ValidationError } from "@/lib/errors";
import { SIGN_IN_MAX_FAILURES } from "@/lib/services/auth/sign-in";
import { REGISTRY_SERVICE } from "@/lib/services/registry-auth/constants";
import { issueRegistryToken, type TokenRequest } from "@/lib/services/registry-auth/issue-token";
import { parseBasicCredentials } from "@/lib/validation/basic-credentials";
import {
  basic,
  createMember,
  createProject,
  createRobot,
  db,
  TEST_CLIENT,
} from "@/lib/services/registry-auth/test-fixtures";
import { verifyRegistryToken } from "@/lib/services/registry-auth/token";
import { auditRowsFor, createTestUser, TEST_PASSWORD } from "@/lib/testing/factories";

function request(partial: Partial<TokenRequest>): TokenRequest {
  return { authorization: null, service: REGISTRY_SERVICE, scopes: [], client: TEST_CLIENT, ...partial };
}

async function accessOf(partial: Partial<TokenRequest>) {
  const issued = await issueRegistryToken(request(partial));
  return verifyRegistryToken(issued.token);
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => new Error("expected the request to be refused"),
    (e: unknown) => e,
  );
  if (!(error instanceof Error) || error.message === "expected the request to be refused") throw error;
  return error;
}

describe("issueRegistryToken", () => {
  it("issues a developer pull and push but not delete, with the username as subject, and writes no audit row", async () => {
    const project = await createProject();
    const dev = await createMember(project.id, 2);
    const before = await db.auditEvent.count({ where: { actorName: dev.username } });
    const claims = await accessOf({
      authorization: basic(dev.username),
      scopes: [`repository:${project.name}/app:pull,push,delete`],
    });
    expect(claims.sub).toBe(dev.username);
    expect(claims.access).toEqual([{ type: "repository", name: `${project.name}/app`, actions: ["pull", "push"] }]);
    expect(await db.auditEvent.count({ where: { actorName: dev.username } })).toBe(before);
  });

  it("accepts a missing service parameter, refuses another service with 400", async () => {
    const project = await createProject({ isPublic: true });
    await expect(accessOf({ service: null, scopes: [`repository:${project.name}/app:pull`] })).resolves.toMatchObject({ sub: "" });
    const error = await rejection(issueRegistryToken(request({ service: "harbor-registry", scopes: [`repository:${project.name}/app:pull`] })));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toMatch(/Unknown service "harbor-registry"/);
  });

  it("refuses malformed scopes with 400 before checking any password", async () => {
    const user = await createTestUser();
    const error = await rejection(issueRegistryToken(request({ authorization: basic(user.username, "wrong"), scopes: ["repository:UPPER/x:pull"] })));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toMatch(/not a valid repository name/);
    expect(await auditRowsFor("session", user.username)).toHaveLength(0);
  });

  it("refuses anonymous callers without scopes with 401 (how docker login fails)", async () => {
    const error = await rejection(issueRegistryToken(request({})));
    expect(error).toBeInstanceOf(UnauthenticatedError);
  });

  it("gives anonymous callers pull on public projects only", async () => {
    const pub = await createProject({ isPublic: true });
    const priv = await createProject();
    const claims = await accessOf({ scopes: [`repository:${pub.name}/a:pull,push`, `repository:${priv.name}/a:pull`] });
    expect(claims.sub).toBe("");
    expect(claims.access).toEqual([
      { type: "repository", name: `${pub.name}/a`, actions: ["pull"] },
      { type: "repository", name: `${priv.name}/a`, actions: [] },
    ]);
  });

  it("gives a valid login without rights a token with an empty grant (docker login works)", async () => {
    const user = await createTestUser();
    const project = await createProject();
    await expect(accessOf({ authorization: basic(user.username) })).resolves.toMatchObject({ sub: user.username, access: [] });
    const claims = await accessOf({ authorization: basic(user.username), scopes: [`repository:${project.name}/a:pull`] });
    expect(claims.access).toEqual([{ type: "repository", name: `${project.name}/a`, actions: [] }]);
  });

  it("refuses a wrong password with 401 and audits the refusal", async () => {
    const user = await createTestUser();
    const error = await rejection(issueRegistryToken(request({ authorization: basic(user.username, "Wrong-passw0rd") })));
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect(error.message).toBe("Wrong username or password.");
    const rows = await auditRowsFor("session", user.username);
    expect(rows.map((r) => [r.action, r.result, r.reason])).toEqual([["registry.login", "failure", "wrong password"]]);
  });

  it("answers a locked user 401 with the lock's message, even with the right password", async () => {
    const user = await createTestUser();
    for (let i = 0; i < SIGN_IN_MAX_FAILURES; i++) {
      await rejection(issueRegistryToken(request({ authorization: basic(user.username, "Wrong-passw0rd") })));
    }
    const error = await rejection(issueRegistryToken(request({ authorization: basic(user.username, TEST_PASSWORD) })));
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect(error.message).toMatch(/Too many failed sign-ins.*Try again in 15 minutes/);
  });

  it("issues a robot its own grants; refuses a wrong secret, a disabled and an expired robot", async () => {
    const project = await createProject();
    const robot = await createRobot(project, ["repository:pull"]);
    const claims = await accessOf({ authorization: basic(robot.name, robot.secret), scopes: [`repository:${project.name}/app:pull,push`] });
    expect(claims.sub).toBe(robot.name);
    expect(claims.access).toEqual([{ type: "repository", name: `${project.name}/app`, actions: ["pull"] }]);

    expect(await rejection(issueRegistryToken(request({ authorization: basic(robot.name, `${robot.secret}x`) })))).toBeInstanceOf(UnauthenticatedError);
    const disabled = await createRobot(project, ["repository:pull"], { disabled: true });
    expect((await rejection(issueRegistryToken(request({ authorization: basic(disabled.name, disabled.secret) })))).message).toMatch(/disabled/);
    const expired = await createRobot(project, ["repository:pull"], { expiresAt: new Date(Date.now() - 1000) });
    expect((await rejection(issueRegistryToken(request({ authorization: basic(expired.name, expired.secret) })))).message).toMatch(/expired/);
  });

  it("refuses Authorization headers that are not Basic", async () => {
    expect(await rejection(issueRegistryToken(request({ authorization: "Bearer abc" })))).toBeInstanceOf(UnauthenticatedError);
    expect(await rejection(issueRegistryToken(request({ authorization: "Basic !!!" })))).toBeInstanceOf(UnauthenticatedError);
  });
});

describe("parseBasicCredentials", () => {
  it("splits on the first colon only and refuses malformed headers", () => {
    const encode = (s: string) => `Basic ${Buffer.from(s).toString("base64")}`;
    expect(parseBasicCredentials(encode("robot$p+ci:se:cr:et"))).toEqual({ username: "robot$p+ci", password: "se:cr:et" });
    expect(parseBasicCredentials(`basic ${Buffer.from("a:b").toString("base64")}`)).toEqual({ username: "a", password: "b" });
    expect(parseBasicCredentials(encode(":nouser"))).toBeNull();
    expect(parseBasicCredentials(encode("nocolon"))).toBeNull();
    expect(parseBasicCredentials("Digest abc")).toBeNull();
  });
});
