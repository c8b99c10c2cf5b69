import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseServerEnv } from "@/lib/env";
import { RegistryClient } from "@/lib/registry/client";
import { basicAuthorization } from "@/lib/registry/credentials";
import { RegistryUnavailableError } from "@/lib/registry/errors";
import { parseListenAddress } from "@/lib/registry/listen-address";
import { findFreePort, startLocalRegistry, type LocalRegistry } from "@/lib/registry/local-registry";
import { skopeoCopy, writeOciImageLayout, type OciImageResult } from "@/lib/testing/oci-layout";

// The registry Wharf runs, started as the launcher starts it (remembered port, generated
// credentials), and what someone else on the host can do with its port: nothing.

let tmp: string;
let dataDir: string;
let registry: LocalRegistry;
let image: OciImageResult;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail, but it succeeded");
}

async function mode(file: string): Promise<number> {
  return (await stat(file)).mode & 0o777;
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-local-registry-test-"));
  dataDir = path.join(tmp, "data");
  registry = await startLocalRegistry({ dataDir, port: "remembered" });
  image = await writeOciImageLayout(path.join(tmp, "image"), { tag: "1.0", extraBytes: 1000 });
  const { username, password } = registry.credentials;
  await skopeoCopy(image.ref, `docker://${new URL(registry.url).host}/private/app:1.0`, { destCreds: `${username}:${password}` });
}, 120_000);

afterAll(async () => {
  await registry?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("the registry Wharf runs", () => {
  it("refuses every request without Wharf's credentials: catalog, blob GET and upload POST answer 401", async () => {
    const layer = image.layerDigests[0]!;
    const requests: [string, RequestInit][] = [
      ["/v2/", {}],
      ["/v2/_catalog", {}],
      [`/v2/private/app/blobs/${layer}`, {}],
      [`/v2/private/app/manifests/1.0`, {}],
      ["/v2/private/app/blobs/uploads/", { method: "POST" }],
    ];
    const wrong = basicAuthorization({ username: registry.credentials.username, password: "not-the-password" });
    for (const [target, init] of requests) {
      const anonymous = await fetch(`${registry.url}${target}`, init);
      expect(anonymous.status, `${init.method ?? "GET"} ${target}`).toBe(401);
      await anonymous.body?.cancel();
      const guessed = await fetch(`${registry.url}${target}`, { ...init, headers: { authorization: wrong } });
      expect(guessed.status, `${init.method ?? "GET"} ${target} with a wrong password`).toBe(401);
      await guessed.body?.cancel();
    }
    // The same requests with Wharf's credentials work.
    const auth = { authorization: basicAuthorization(registry.credentials) };
    expect((await fetch(`${registry.url}/v2/_catalog`, { headers: auth }).then((r) => r.json())) as unknown).toEqual({ repositories: ["private/app"] });
    expect((await fetch(`${registry.url}/v2/private/app/blobs/${layer}`, { headers: auth })).status).toBe(200);
    const upload = await fetch(`${registry.url}/v2/private/app/blobs/uploads/`, { method: "POST", headers: auth });
    expect(upload.status).toBe(202);
  });

  it("is used through the registry client with the credentials, and says so when they are missing or wrong", async () => {
    const client = new RegistryClient({ baseUrl: registry.url, credentials: registry.credentials });
    expect(await client.listTags("private/app")).toEqual(["1.0"]);

    const none = await rejection(new RegistryClient({ baseUrl: registry.url }).listTags("private/app"));
    expect(none).toBeInstanceOf(RegistryUnavailableError);
    expect((none as Error).message).toMatch(/asks for credentials .* none are configured/);
    const wrong = await rejection(new RegistryClient({ baseUrl: registry.url, credentials: { username: "wharf", password: "guess" } }).ping());
    expect(wrong).toBeInstanceOf(RegistryUnavailableError);
    expect((wrong as Error).message).toMatch(/refused Wharf's credentials/);
  });

  it("keeps its storage 0700 and its secrets 0600, with a bcrypt htpasswd entry", async () => {
    const root = path.join(dataDir, "registry");
    expect(await mode(root)).toBe(0o700);
    expect(await mode(registry.storageDir)).toBe(0o700);
    for (const file of ["htpasswd", "credentials.json", "config.yml", "http-secret"]) expect(await mode(path.join(root, file)), file).toBe(0o600);
    const htpasswd = await readFile(path.join(root, "htpasswd"), "utf8");
    expect(htpasswd).toMatch(new RegExp(`^${registry.credentials.username}:\\$2[aby]\\$04\\$[./A-Za-z0-9]{53}\\n$`));
    expect(htpasswd).not.toContain(registry.credentials.password);
    expect(registry.credentials.password.length).toBeGreaterThanOrEqual(43);
  });
});

// Last: these stop and restart the shared registry.
describe("restarts", () => {
  it("come back on the remembered port with the same generated credentials and content", async () => {
    const { port, credentials } = registry;
    await registry.stop();
    registry = await startLocalRegistry({ dataDir, port: "remembered" });
    expect(registry.port).toBe(port);
    expect(registry.credentials).toEqual(credentials);
    expect(await new RegistryClient({ baseUrl: registry.url, credentials }).listTags("private/app")).toEqual(["1.0"]);
  });

  it("accept configured credentials instead of the generated ones (the htpasswd file is rewritten)", async () => {
    const generated = registry.credentials;
    await registry.stop();
    const configured = { username: "wharf-a", password: "configured-secret-0123456789" };
    registry = await startLocalRegistry({ dataDir, port: "remembered", credentials: configured });
    expect((await fetch(`${registry.url}/v2/`, { headers: { authorization: basicAuthorization(configured) } })).status).toBe(200);
    expect((await fetch(`${registry.url}/v2/`, { headers: { authorization: basicAuthorization(generated) } })).status).toBe(401);
  });

  it("listen on a configured fixed port", async () => {
    await registry.stop();
    const port = await findFreePort();
    registry = await startLocalRegistry({ dataDir, host: "127.0.0.1", port });
    expect(registry.url).toBe(`http://127.0.0.1:${port}`);
    expect(registry.port).toBe(port);
  });
});

describe("configuration", () => {
  it("parses WHARF_REGISTRY_LISTEN as port or host:port", () => {
    expect(parseListenAddress("5000")).toEqual({ host: "127.0.0.1", port: 5000 });
    expect(parseListenAddress("0.0.0.0:5000")).toEqual({ host: "0.0.0.0", port: 5000 });
    expect(parseListenAddress("[::1]:5001")).toEqual({ host: "::1", port: 5001 });
    for (const bad of ["", "0", "70000", "host:5000", "1.2.3.300:5000", "5000:", ":5000", "127.0.0.1"]) {
      expect(() => parseListenAddress(bad), bad).toThrow(/must be a port|not an IPv4/);
    }
  });

  it("validates the registry variables and names the one at fault", () => {
    const env = parseServerEnv({ WHARF_REGISTRY_USERNAME: "wharf", WHARF_REGISTRY_PASSWORD: "s3cret", WHARF_REGISTRY_LISTEN: "0.0.0.0:5000" });
    expect(env).toMatchObject({ WHARF_REGISTRY_USERNAME: "wharf", WHARF_REGISTRY_PASSWORD: "s3cret", WHARF_REGISTRY_LISTEN: "0.0.0.0:5000" });
    expect(() => parseServerEnv({ WHARF_REGISTRY_USERNAME: "wharf" })).toThrow(/WHARF_REGISTRY_PASSWORD: must be set together/);
    expect(() => parseServerEnv({ WHARF_REGISTRY_PASSWORD: "s3cret" })).toThrow(/WHARF_REGISTRY_USERNAME: must be set together/);
    expect(() => parseServerEnv({ WHARF_REGISTRY_USERNAME: "a:b", WHARF_REGISTRY_PASSWORD: "s3cret" })).toThrow(/WHARF_REGISTRY_USERNAME: must not contain a colon/);
    expect(() => parseServerEnv({ WHARF_REGISTRY_USERNAME: "wharf", WHARF_REGISTRY_PASSWORD: "x".repeat(73) })).toThrow(/WHARF_REGISTRY_PASSWORD: must be at most 72 bytes/);
    expect(() => parseServerEnv({ WHARF_REGISTRY_LISTEN: "everywhere" })).toThrow(/WHARF_REGISTRY_LISTEN: must be a port/);
  });
});
