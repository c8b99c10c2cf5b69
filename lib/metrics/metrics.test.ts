import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

const { REGISTRY_PORT, FRONT_PORT, METRICS_TOKEN } = await vi.hoisted(async () => {
  const { findFreePort } = await import("@/lib/registry/local-registry");
  const registryPort = await findFreePort();
  let frontPort = await findFreePort();
  while (frontPort === registryPort) frontPort = await findFreePort();
  const token = "metrics-token-for-tests-0123456789";
  process.env.WHARF_REGISTRY_URL = `http://127.0.0.1:${registryPort}`;
  process.env.WHARF_EXTERNAL_URL = `http://127.0.0.1:${frontPort}`;
  process.env.WHARF_SECRET_KEY ??= "registry-auth-tests-secret-key-0123456789";
  process.env.WHARF_METRICS_TOKEN = token;
  // Any directory on a real filesystem: the gauge reads its statfs.
  process.env.WHARF_REGISTRY_STORAGE_DIR = (await import("node:os")).tmpdir();
  return { REGISTRY_PORT: registryPort, FRONT_PORT: frontPort, METRICS_TOKEN: token };
});

import { classifyRegistryTarget } from "@/lib/metrics/metrics";
import { startFront, type WharfServer } from "@/lib/runtime/server";
import { REGISTRY_SERVICE } from "@/lib/services/registry-auth/constants";
import { signInWithPassword } from "@/lib/services/auth/sign-in";
import { basic, db, TEST_PASSWORD } from "@/lib/services/registry-auth/test-fixtures";
import { createTestUser } from "@/lib/testing/factories";
import { gatewayHarness } from "@/lib/testing/gateway-harness";
import { skopeoCopy, writeOciImageLayout } from "@/lib/testing/oci-layout";

const EXTERNAL = `http://127.0.0.1:${FRONT_PORT}`;
const HOST = `127.0.0.1:${FRONT_PORT}`;
const harness = gatewayHarness({ registryPort: REGISTRY_PORT, external: EXTERNAL, name: "metrics" });

let front: WharfServer;
beforeAll(async () => {
  front = await startFront({ hostname: "127.0.0.1", port: FRONT_PORT, handleNext: async (_req, res) => void res.end() });
});
afterAll(async () => {
  await front?.close();
});

function run(file: string, args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd: __dirname });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin ?? "");
  });
}

type Sample = { name: string; labels: Record<string, string>; value: number };

/** The text exposition format's samples (names, labels, values); comments skipped. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

async function scrape(authorization = `Bearer ${METRICS_TOKEN}`): Promise<Sample[]> {
  const res = await fetch(`${EXTERNAL}/metrics`, { headers: { authorization } });
  expect(res.status).toBe(200);
  return parseExposition(await res.text());
}

describe("Prometheus metrics", () => {
  it("files registry paths under bounded operations, with the project only from a repository path", () => {
    expect(classifyRegistryTarget("/v2/")).toEqual({ operation: "ping", project: null });
    expect(classifyRegistryTarget("/v2/team/app/manifests/1.0")).toEqual({ operation: "manifest", project: "team" });
    expect(classifyRegistryTarget("/v2/team/a/b/blobs/uploads/1234?digest=x")).toEqual({ operation: "upload", project: "team" });
    expect(classifyRegistryTarget("/v2/team/app/blobs/sha256:00")).toEqual({ operation: "blob", project: "team" });
    expect(classifyRegistryTarget("/v2/team/app/tags/list?n=5")).toEqual({ operation: "tags", project: "team" });
    expect(classifyRegistryTarget("/v2/team/app/referrers/sha256:00")).toEqual({ operation: "referrers", project: "team" });
    expect(classifyRegistryTarget("/service/token?scope=x")).toEqual({ operation: "token", project: null });
    expect(classifyRegistryTarget("/v2/_catalog?n=10")).toEqual({ operation: "catalog", project: null });
    expect(classifyRegistryTarget("/v2/whatever")).toEqual({ operation: "other", project: null });
  });

  it("answers a scrape only with the metrics token or an administrator's or auditor's credentials", async () => {
    const admin = await createTestUser({ isAdmin: true });
    const auditor = await createTestUser({ isAuditor: true });
    const user = await createTestUser();
    const status = async (authorization?: string) =>
      (await fetch(`${EXTERNAL}/metrics`, { headers: authorization ? { authorization } : {} })).status;
    expect(await status()).toBe(401);
    expect(await status("Bearer not-the-token-at-all")).toBe(401);
    expect(await status(basic(user.username))).toBe(403);
    expect(await status(basic(admin.username, "wrong password"))).toBe(401);
    expect(await status(`Bearer ${METRICS_TOKEN}`)).toBe(200);
    expect(await status(basic(admin.username))).toBe(200);
    expect(await status(basic(auditor.username))).toBe(200);
    const post = await fetch(`${EXTERNAL}/metrics`, { method: "POST", headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(post.status).toBe(405);
  });

  it("counts pushes, pulls, failed pulls, refused logins and requests by operation, and reads storage, index and queue gauges", async () => {
    const { project, maintainer } = await harness.setup();
    const creds = `${maintainer.username}:${TEST_PASSWORD}`;
    const before = await scrape();

    const image = await writeOciImageLayout(path.join(harness.tmp, "image"), { tag: "1.0", extraBytes: 50_000 });
    await skopeoCopy(image.ref, `docker://${HOST}/${project.name}/app:1.0`, { destCreds: creds });
    await skopeoCopy(`docker://${HOST}/${project.name}/app:1.0`, `oci:${path.join(harness.tmp, "pulled")}:1.0`, { srcCreds: creds });
    // A pull of a tag that does not exist, and a login with a wrong password.
    await expect(skopeoCopy(`docker://${HOST}/${project.name}/app:missing`, `oci:${path.join(harness.tmp, "nothing")}:x`, { srcCreds: creds })).rejects.toThrow();
    const refused = await fetch(`${EXTERNAL}/service/token?service=${encodeURIComponent(REGISTRY_SERVICE)}&scope=repository:${project.name}/app:pull`, { headers: { authorization: basic(maintainer.username, "not the password") } });
    expect(refused.status).toBe(401);
    await expect(signInWithPassword({ username: maintainer.username, password: "not the password", client: { ip: "192.0.2.77", userAgent: "vitest" } })).rejects.toThrow();
    const queued = await db.jobRun.createManyAndReturn({
      data: [1, 2, 3].map(() => ({ jobName: "metrics.test", jobVersion: 1, trigger: "test" })),
    });

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(delta("wharf_pushes_total", { project: project.name })).toBe(1);
    expect(delta("wharf_pulls_total", { project: project.name })).toBe(1);
    expect(delta("wharf_registry_requests_total", { operation: "manifest", method: "PUT", code: "201" })).toBe(1);
    expect(delta("wharf_registry_requests_total", { operation: "manifest", method: "GET", code: "404" })).toBeGreaterThanOrEqual(1);
    expect(delta("wharf_registry_requests_total", { operation: "upload" })).toBeGreaterThanOrEqual(2);
    expect(delta("wharf_registry_requests_total", { operation: "token", code: "401" })).toBe(1);
    expect(delta("wharf_auth_failures_total", { via: "registry" })).toBe(1);
    expect(delta("wharf_auth_failures_total", { via: "console" })).toBe(1);
    expect(valueOf(after, "wharf_job_runs", { job_name: "metrics.test", status: "queued" })).toBe(3);
    await db.jobRun.deleteMany({ where: { id: { in: queued.map((r) => r.id) } } });
    expect(valueOf(await scrape(), "wharf_job_runs", { job_name: "metrics.test" })).toBe(0);
    expect(delta("wharf_registry_request_duration_seconds_count", { operation: "manifest", method: "PUT" })).toBe(1);
    // Gauges, read from Postgres at the scrape.
    expect(valueOf(after, "wharf_project_storage_bytes", { project: project.name })).toBeGreaterThan(50_000);
    expect(valueOf(after, "wharf_index_objects", { kind: "tags" })).toBeGreaterThanOrEqual(1);
    expect(valueOf(after, "wharf_registry_filesystem_bytes", { kind: "size" })).toBeGreaterThan(0);
    expect(valueOf(after, "wharf_metrics_scrape_errors_total")).toBe(0);
  }, 120_000);

  it("passes promtool's lint, and the alert rules use only metrics Wharf exposes", async () => {
    const body = await (await fetch(`${EXTERNAL}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    // Wharf's own families. prom-client's process defaults (wharf_process_*) include three gauges
    // named *_total (nodejs_active_handles_total…), which promtool's lint flags; they are kept as
    // prom-client names them, since dashboards for Node processes expect those names.
    const own = body
      .split("\n")
      .filter((line) => !/^(# (HELP|TYPE) )?wharf_process_/.test(line))
      .join("\n");
    expect(own).toContain("wharf_registry_requests_total");
    const lint = await run("promtool", ["check", "metrics"], own);
    expect(lint.stderr + lint.stdout).toBe("");
    expect(lint.code).toBe(0);

    const exposed = new Set([...body.matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap(([, name, type]) => (type === "histogram" ? [`${name}_bucket`, `${name}_count`, `${name}_sum`] : [name!])));
    const rules = readFileSync(path.join(__dirname, "wharf.rules.yml"), "utf8");
    const used = new Set([...rules.matchAll(/\b(wharf_[a-z_]+)\b/g)].map((m) => m[1]!));
    expect(used.size).toBeGreaterThanOrEqual(4);
    expect([...used].filter((name) => !exposed.has(name))).toEqual([]);
  });

  it("the rules file loads in Prometheus and its alerts fire exactly as wharf.rules.test.yml expects", async () => {
    const check = await run("promtool", ["check", "rules", "wharf.rules.yml"]);
    expect(check.stdout).toContain("SUCCESS: 4 rules found");
    expect(check.code).toBe(0);
    const test = await run("promtool", ["test", "rules", "wharf.rules.test.yml"]);
    expect(test.stdout + test.stderr).toContain("SUCCESS");
    expect(test.code).toBe(0);
  });
});
