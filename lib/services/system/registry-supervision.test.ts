import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// getServerEnv() reads the registry's address once: the port is fixed before anything loads it,
// and the supervisor restarts the registry on that same port, as the launcher's does.
const REGISTRY_PORT = await vi.hoisted(async () => {
  const { findFreePort } = await import("@/lib/registry/local-registry");
  const port = await findFreePort();
  process.env.WHARF_REGISTRY_URL = `http://127.0.0.1:${port}`;
  process.env.WHARF_EXTERNAL_URL = "http://wharf.test:3000";
  return port;
});

import { GET as readiness } from "@/app/api/v2.0/health/ready/route";
import { backingRegistryCredentials } from "@/lib/registry/backing-registry";
import { startLocalRegistry, type LocalRegistry } from "@/lib/registry/local-registry";
import { getRegistrySupervisorStatus, superviseLocalRegistry, type SupervisedRegistry } from "@/lib/registry/registry-supervisor";
import { REGISTRY_SERVICE } from "@/lib/services/registry-auth/constants";
import { handleRegistryRequest } from "@/lib/gateway/gateway";
import { issueRegistryToken } from "@/lib/services/registry-auth/issue-token";
import { basic, createMember, createProject, TEST_CLIENT } from "@/lib/services/registry-auth/test-fixtures";
import { getSystemHealthDetails } from "@/lib/services/system/get-system-health";
import { actorFor, createTestUser } from "@/lib/testing/factories";

let tmp: string;
let supervised: SupervisedRegistry;
let impostor: LocalRegistry | undefined;
const logged: string[] = [];
/** Restart attempts the supervisor asked for, each released by the test when it chooses. */
const pendingRestarts: { delayMs: number; attempt: number; release: () => void }[] = [];
let restartRequested: () => void = () => {};

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-supervision-test-"));
  supervised = await superviseLocalRegistry({
    dataDir: path.join(tmp, "data"),
    port: REGISTRY_PORT,
    credentials: backingRegistryCredentials(),
    log: (message) => logged.push(message),
    waitBeforeRestart: (delayMs, attempt) =>
      new Promise<void>((release) => {
        pendingRestarts.push({ delayMs, attempt, release });
        restartRequested();
      }),
  });
}, 60_000);

afterAll(async () => {
  await supervised?.stop();
  await impostor?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function ping(): Promise<Response> {
  const admin = await createTestUser({ isAdmin: true });
  const { token } = await issueRegistryToken({ authorization: basic(admin.username), service: REGISTRY_SERVICE, scopes: [], client: TEST_CLIENT });
  return handleRegistryRequest(new Request("http://wharf.test:3000/v2/", { headers: { authorization: `Bearer ${token}` } }));
}

async function registryHealth() {
  const admin = actorFor(await createTestUser({ isAdmin: true }));
  const health = await getSystemHealthDetails({ actor: admin });
  return health.components.find((c) => c.name === "registry");
}

describe("the supervised registry", () => {
  it("answers /v2/ and readiness while it runs", async () => {
    expect((await ping()).status).toBe(200);
    const ready = await readiness();
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
    expect(await registryHealth()).toEqual({ name: "registry", status: "healthy" });
  });

  it("is restarted after it is killed; meanwhile /v2/ and readiness answer 503 and health says why", async () => {
    const pid = supervised.pid()!;
    const requested = new Promise<void>((resolve) => (restartRequested = resolve));
    process.kill(pid, "SIGKILL");
    await requested; // the supervisor saw the exit and waits before its first attempt

    expect(supervised.status()).toMatchObject({ state: "down", restarts: 0, lastExit: { reason: "was killed by SIGKILL" } });
    expect(pendingRestarts).toEqual([expect.objectContaining({ delayMs: 1_000, attempt: 1 })]);
    expect(logged.at(-1)).toBe("the registry was killed by SIGKILL; restarting it in 1 s");

    const down = await ping();
    expect(down.status).toBe(503);
    expect(down.headers.get("retry-after")).toBeTruthy();
    expect(down.headers.get("docker-distribution-api-version")).toBe("registry/2.0");
    expect(((await down.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe("UNAVAILABLE");

    const unready = await readiness();
    expect(unready.status).toBe(503);
    expect(unready.headers.get("retry-after")).toBeTruthy();
    // Nothing about why: the reason names internal addresses.
    expect(await unready.json()).toEqual({ status: "not ready" });

    const health = await registryHealth();
    expect(health?.status).toBe("unhealthy");
    expect(health?.error).toMatch(/The registry Wharf runs is down \(it was killed by SIGKILL at .*\); next restart attempt at /);

    pendingRestarts.shift()!.release();
    await supervised.running();
    expect(supervised.pid()).not.toBe(pid);
    expect(supervised.status()).toMatchObject({ state: "running", restarts: 1, nextAttemptAt: null });
    expect(getRegistrySupervisorStatus()?.state).toBe("running");
    expect(logged.at(-1)).toMatch(new RegExp(`^restarted the registry at http://127.0.0.1:${REGISTRY_PORT} \\(pid \\d+\\)$`));

    expect((await ping()).status).toBe(200);
    expect((await readiness()).status).toBe(200);
    expect(await registryHealth()).toEqual({ name: "registry", status: "healthy" });
  });

  it("waits longer when it dies again soon after a restart", async () => {
    // A second death moments after the first restart counts as a failure in a row: 2 s, not 1 s.
    const requested = new Promise<void>((resolve) => (restartRequested = resolve));
    process.kill(supervised.pid()!, "SIGKILL");
    await requested;
    expect(pendingRestarts).toEqual([expect.objectContaining({ delayMs: 2_000, attempt: 2 })]);
    pendingRestarts.shift()!.release();
    await supervised.running();
    expect(supervised.status()).toMatchObject({ state: "running", restarts: 2 });
    expect((await ping()).status).toBe(200);
  });
});

describe("once Wharf begins to stop", () => {
  it("a registry that exits (the same Ctrl-C or SIGTERM reached it) is not restarted, and nothing says it will be", async () => {
    const pid = supervised.pid()!;
    const logsBefore = logged.length;
    const restartsBefore = pendingRestarts.length;
    supervised.stopSupervising();
    process.kill(pid, "SIGTERM");
    // Wait for the child to be gone, then for the supervisor's exit handler to have run.
    await vi.waitFor(
      () => {
        expect(() => process.kill(pid, 0)).toThrow();
      },
      { timeout: 10_000, interval: 50 },
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(logged.slice(logsBefore).filter((line) => /restart/.test(line))).toEqual([]);
    expect(pendingRestarts.length).toBe(restartsBefore);
    await supervised.running();
  });
});

describe("a registry that refuses Wharf's credentials", () => {
  it("makes the gateway answer 503, never pass the registry's 401 on to a client that was authorized", async () => {
    const project = await createProject();
    const developer = await createMember(project.id, 2);
    const repository = `${project.name}/app`;
    const { token } = await issueRegistryToken({
      authorization: basic(developer.username),
      service: REGISTRY_SERVICE,
      scopes: [`repository:${repository}:pull,push`],
      client: TEST_CLIENT,
    });
    await supervised.stop();
    // The same address, but a password Wharf does not have.
    impostor = await startLocalRegistry({ dataDir: path.join(tmp, "other"), port: REGISTRY_PORT, credentials: { username: "wharf-test", password: "another-password" } });

    const bearer = { authorization: `Bearer ${token}` };
    const ping = await handleRegistryRequest(new Request("http://wharf.test:3000/v2/", { headers: bearer }));
    expect(ping.status).toBe(503);
    // Forwarded as it is (the gateway's transport), not through the registry client.
    const upload = await handleRegistryRequest(new Request(`http://wharf.test:3000/v2/${repository}/blobs/uploads/`, { method: "POST", headers: bearer }));
    expect(upload.status).toBe(503);
    expect(upload.headers.get("www-authenticate")).toBeNull();

    const health = await registryHealth();
    expect(health?.error).toMatch(/refused Wharf's credentials .*WHARF_REGISTRY_USERNAME and WHARF_REGISTRY_PASSWORD/);
  });
});

