import { describe, expect, it } from "vitest";
import { consolePathForHarborPath } from "@/app/harbor/[[...path]]/harbor-links";
import { GET, HEAD } from "@/app/harbor/[[...path]]/route";

const DIGEST = `sha256:${"ab".repeat(32)}`;

describe("Harbor UI deep links", () => {
  it.each([
    ["/harbor", "/"],
    ["/harbor/sign-in", "/sign-in"],
    ["/harbor/projects", "/projects"],
    ["/harbor/projects/7", "/projects/7"],
    ["/harbor/projects/7/summary", "/projects/7"],
    ["/harbor/projects/7/repositories", "/projects/7/repositories"],
    ["/harbor/projects/7/members", "/projects/7/members"],
    ["/harbor/projects/7/logs", "/projects/7/logs"],
    ["/harbor/projects/7/robot-account", "/projects/7/robots"],
    ["/harbor/projects/7/configs", "/projects/7/configuration"],
    ["/harbor/projects/7/tag-strategy", "/projects/7/policy"],
    ["/harbor/projects/7/repositories/nginx", "/projects/7/repositories/nginx"],
    ["/harbor/projects/7/repositories/nginx/", "/projects/7/repositories/nginx"],
    ["/harbor/projects/7/repositories/nginx/artifacts-tab", "/projects/7/repositories/nginx"],
    ["/harbor/projects/7/repositories/nginx/info-tab", "/projects/7/repositories/nginx"],
    // Harbor's portal encodes a nested name's slashes in its one segment; some tools twice; some not at all.
    ["/harbor/projects/7/repositories/team%2Fweb%2Fapp", "/projects/7/repositories/team/web/app"],
    ["/harbor/projects/7/repositories/team%252Fapp/artifacts-tab", "/projects/7/repositories/team/app"],
    ["/harbor/projects/7/repositories/team/app/artifacts-tab", "/projects/7/repositories/team/app"],
    [`/harbor/projects/7/repositories/nginx/artifacts-tab/artifacts/${DIGEST}`, `/projects/7/repositories/nginx/-/artifacts/${DIGEST}`],
    [`/harbor/projects/7/repositories/team%2Fapp/artifacts-tab/artifacts/${DIGEST}`, `/projects/7/repositories/team/app/-/artifacts/${DIGEST}`],
    [`/harbor/projects/7/repositories/nginx/artifacts-tab/artifacts/1.25`, `/projects/7/repositories/nginx/-/artifacts/1.25`],
    // An index child, shown by Harbor under the index's depth: the child's own page.
    [`/harbor/projects/7/repositories/nginx/artifacts-tab/depth/${DIGEST}/artifacts/${DIGEST}`, `/projects/7/repositories/nginx/-/artifacts/${DIGEST}`],
  ])("%s -> %s", (harbor, console) => {
    expect(consolePathForHarborPath(harbor)).toBe(console);
  });

  it.each([
    "/",
    "/projects/7",
    "/harbor/logs",
    "/harbor/projects/abc",
    "/harbor/projects/0",
    "/harbor/projects/-1/repositories",
    "/harbor/projects/7/webhook",
    "/harbor/projects/7/members/extra",
    "/harbor/projects/7/repositories/Nginx",
    "/harbor/projects/7/repositories/..%2Fadmin",
    "/harbor/projects/7/repositories/%2F%2Fevil.example",
    "/harbor/projects/7/repositories/a%ZZ",
    "/harbor/projects/7/repositories/nginx/info-tab/x",
    "/harbor/projects/7/repositories/nginx/artifacts-tab/artifacts",
    "/harbor/projects/7/repositories/nginx/artifacts-tab/artifacts/sha256:nope",
    "/harbor/projects/7/repositories/nginx/artifacts-tab/artifacts/a%2F..%2Fb",
    "/harbor/projects/7/repositories/artifacts-tab",
  ])("%s has no console page", (harbor) => {
    expect(consolePathForHarborPath(harbor)).toBeNull();
  });

  it("answers a link with a temporary redirect to a relative console path, anything else 404", async () => {
    const res = GET(new Request("http://wharf.test:3000/harbor/projects/3/repositories/team%2Fapp/artifacts-tab?publicAndNotLogged=yes"));
    expect(res.status).toBe(307);
    expect(res.headers.get("location")).toBe("/projects/3/repositories/team/app");
    expect(HEAD(new Request("http://wharf.test:3000/harbor/projects/3", { method: "HEAD" })).headers.get("location")).toBe("/projects/3");
    const unknown = GET(new Request("http://wharf.test:3000/harbor/labels"));
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("location")).toBeNull();
    expect(await unknown.text()).toMatch(/No console page/);
  });
});
