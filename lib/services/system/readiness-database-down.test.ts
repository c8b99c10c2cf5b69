import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// This file's Wharf has a database that does not answer (nothing listens on port 1) and a
// registry that does: readiness must fail on the database alone. Set before the database client
// and getServerEnv() load.
const REGISTRY_PORT = await vi.hoisted(async () => {
  const { findFreePort } = await import("@/lib/registry/local-registry");
  const port = await findFreePort();
  process.env.WHARF_REGISTRY_URL = `http://127.0.0.1:${port}`;
  process.env.DATABASE_URL = "postgresql://postgres:postgres@127.0.0.1:1/wharf_unreachable_test";
  return port;
});

import { GET as health } from "@/app/api/v2.0/health/route";
import { GET as readiness } from "@/app/api/v2.0/health/ready/route";
import { GET as listProjects } from "@/app/api/v2.0/projects/route";
import { handleRegistryRequest } from "@/lib/gateway/gateway";
import { handleTokenRequest } from "@/lib/gateway/token-endpoint";
import { backingRegistryCredentials } from "@/lib/registry/backing-registry";
import { startLocalRegistry, type LocalRegistry } from "@/lib/registry/local-registry";

let tmp: string;
let registry: LocalRegistry;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-readiness-test-"));
  registry = await startLocalRegistry({ dataDir: path.join(tmp, "data"), port: REGISTRY_PORT, credentials: backingRegistryCredentials() });
}, 60_000);

afterAll(async () => {
  await registry?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("readiness with the database down", () => {
  it("answers 503 naming nothing, while Harbor's health answers 200 with the database unhealthy", async () => {
    const ready = await readiness();
    expect(ready.status).toBe(503);
    expect(ready.headers.get("retry-after")).toBeTruthy();
    expect(ready.headers.get("cache-control")).toBe("no-store");
    expect(await ready.json()).toEqual({ status: "not ready" });

    const res = await health(new Request("http://wharf.test/api/v2.0/health") as never, { params: Promise.resolve({}) } as never);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: "unhealthy",
      components: [
        { name: "core", status: "healthy" },
        { name: "database", status: "unhealthy", error: "unavailable" },
        { name: "registry", status: "healthy" },
      ],
    });
  });
});

describe("requests while the database is down", () => {
  const basic = `Basic ${Buffer.from("someone:Some-Passw0rd").toString("base64")}`;

  it("REST answers 503 with Retry-After, never a 500 and nothing logged as a bug", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      const res = await listProjects(new Request("http://wharf.test/api/v2.0/projects", { headers: { authorization: basic } }) as never, { params: Promise.resolve({}) } as never);
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBeTruthy();
      expect(((await res.json()) as { errors: { code: string; message: string }[] }).errors[0]).toMatchObject({ code: "SERVICE_UNAVAILABLE", message: expect.stringMatching(/database is unavailable/) });
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
      warnings.mockRestore();
    }
  });

  it("the token service and the /v2 gateway answer 503 with Retry-After", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      const token = await handleTokenRequest(new Request("http://wharf.test/service/token?service=wharf-registry&scope=repository:p/app:pull", { headers: { authorization: basic } }));
      expect(token.status).toBe(503);
      expect(token.headers.get("retry-after")).toBeTruthy();
      expect(token.headers.get("x-content-type-options")).toBe("nosniff");

      const blob = await handleRegistryRequest(
        new Request(`http://wharf.test/v2/p/app/blobs/sha256:${"a".repeat(64)}`, { headers: { authorization: basic } }),
      );
      expect(blob.status).toBe(503);
      expect(blob.headers.get("retry-after")).toBeTruthy();
      expect(((await blob.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe("UNAVAILABLE");
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
      warnings.mockRestore();
    }
  });
});
