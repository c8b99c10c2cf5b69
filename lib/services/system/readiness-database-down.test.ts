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
