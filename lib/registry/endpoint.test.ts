import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { endpointClient } from "@/lib/registry/endpoint";
import { RegistryCredentialsError, RegistryError, RegistryUnavailableError } from "@/lib/registry/errors";
import type { LocalRegistry } from "@/lib/registry/local-registry";
import { expectedScopes, fetchToken, parseBearerChallenge, TokenUnavailableError } from "@/lib/registry/token-auth";
import { pushGeneratedImage, startBasicRegistry, startOpenRegistry, startTokenRegistry, type TokenRegistry } from "@/lib/testing/remote-registries";

// Real Distribution 2.8 registries (Basic, token and no auth) and a real token issuer; nothing mocked.

const CREDENTIALS = { username: "remote-user", password: "remote-password-1" };
const WRONG = { username: "remote-user", password: "not-the-password" };

let tmp: string;
let basicRegistry: LocalRegistry;
let openRegistry: LocalRegistry;
let token: TokenRegistry;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-endpoint-test-"));
  [basicRegistry, openRegistry, token] = await Promise.all([
    startBasicRegistry(tmp, CREDENTIALS),
    startOpenRegistry(tmp),
    startTokenRegistry(tmp, CREDENTIALS),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([basicRegistry?.stop(), openRegistry?.stop(), token?.registry.stop(), token?.issuer.stop()]);
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail, but it succeeded");
}

describe("Basic endpoint", () => {
  it("pushes and reads back an image with the endpoint's credentials", async () => {
    const client = endpointClient({ name: "basic-remote", url: basicRegistry.url, auth: { kind: "basic", credentials: CREDENTIALS } });
    const image = await pushGeneratedImage(client, "team/app", { tag: "1.0" });
    const fetched = await client.getManifest("team/app", "1.0");
    expect(fetched.digest).toBe(image.digest);
    expect(await client.listTags("team/app")).toEqual(["1.0"]);
  });

  it("wrong credentials are a RegistryCredentialsError naming the endpoint, not a crash", async () => {
    const client = endpointClient({ name: "basic-remote", url: basicRegistry.url, auth: { kind: "basic", credentials: WRONG } });
    const error = await rejection(client.listTags("team/app"));
    expect(error).toBeInstanceOf(RegistryCredentialsError);
    expect(error).toBeInstanceOf(RegistryUnavailableError);
    expect((error as RegistryCredentialsError).status).toBe(401);
    expect((error as Error).message).toContain('The registry "basic-remote"');
    expect((error as Error).message).toContain('refused the credentials of "remote-user"');
  });

  it("no credentials for a registry that asks for them: the same typed error", async () => {
    const client = endpointClient({ name: "basic-remote", url: basicRegistry.url, auth: { kind: "none" } });
    const error = await rejection(client.getManifest("team/app", "1.0"));
    expect(error).toBeInstanceOf(RegistryCredentialsError);
    expect((error as Error).message).toContain("none are configured");
  });
});

describe("endpoint without auth", () => {
  it("pushes, reads and lists with no Authorization at all", async () => {
    const client = endpointClient({ name: "open", url: openRegistry.url, auth: { kind: "none" } });
    await client.ping();
    const image = await pushGeneratedImage(client, "public/tool", { tag: "latest" });
    expect((await client.headManifest("public/tool", "latest"))?.digest).toBe(image.digest);
    expect((await client.listCatalogPage()).repositories).toContain("public/tool");
  });

  it("a missing manifest is still a RegistryError 404", async () => {
    const client = endpointClient({ name: "open", url: openRegistry.url, auth: { kind: "none" } });
    const error = await rejection(client.getManifest("public/tool", "nope"));
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).status).toBe(404);
  });
});

describe("token endpoint (Docker token flow)", () => {
  it("follows the challenge to the realm, pushes and reads, and asks the realm once per scope", async () => {
    const client = endpointClient({ name: "token-remote", url: token.registry.url, auth: { kind: "token", credentials: CREDENTIALS } });
    const before = token.issuer.requests.length;
    const image = await pushGeneratedImage(client, "team/tokened", { tag: "1.0" });
    const pushRequests = token.issuer.requests.slice(before);
    // Every request was answered with a token for what it needed, and the credentials went along.
    expect(pushRequests.every((r) => r.granted && r.account === "remote-user")).toBe(true);
    // Distribution's challenge names the actions in either order (a Go map): compare them sorted.
    const sortedActions = (scope: string) => scope.replace(/:([a-z,*]+)$/, (_m, actions: string) => `:${actions.split(",").sort().join(",")}`);
    expect(pushRequests.map((r) => r.scopes.map(sortedActions).join(" "))).toContain("repository:team/tokened:pull,push");

    // The push's blob checks (HEAD) fetched a pull token: reads use it, the realm is not asked again.
    expect(pushRequests.map((r) => r.scopes.join(" "))).toContain("repository:team/tokened:pull");
    const afterPush = token.issuer.requests.length;
    expect((await client.getManifest("team/tokened", "1.0")).digest).toBe(image.digest);
    expect((await client.headManifest("team/tokened", image.digest))?.digest).toBe(image.digest);
    expect(await client.listTags("team/tokened")).toEqual(["1.0"]);
    expect(token.issuer.requests.length).toBe(afterPush);
    // A new client holds no token: its first read follows the challenge for the pull scope.
    const fresh = endpointClient({ name: "token-remote", url: token.registry.url, auth: { kind: "token", credentials: CREDENTIALS } });
    expect((await fresh.getManifest("team/tokened", "1.0")).digest).toBe(image.digest);
    expect(token.issuer.requests.slice(afterPush).map((r) => r.scopes)).toEqual([["repository:team/tokened:pull"]]);
    // The catalog is its own scope.
    expect((await client.listCatalogPage()).repositories).toContain("team/tokened");
    expect(token.issuer.requests.at(-1)?.scopes).toEqual(["registry:catalog:*"]);
  });

  it("a cached token is used until shortly before it expires, then a new one is fetched", async () => {
    let clock = 1_000_000;
    const client = endpointClient({ name: "token-remote", url: token.registry.url, auth: { kind: "token", credentials: CREDENTIALS } }, { now: () => clock });
    await pushGeneratedImage(client, "team/clocked", { tag: "1.0" });
    // The pull token came with the push (its blob checks).
    const start = token.issuer.requests.length;
    await client.getManifest("team/clocked", "1.0");
    expect(token.issuer.requests.length).toBe(start);
    // The issuer's tokens live 300 s; 250 s on, the cached one is still used.
    clock += 250_000;
    await client.getManifest("team/clocked", "1.0");
    expect(token.issuer.requests.length).toBe(start);
    // 280 s on is within the last 30 s: a new token is asked for before the old one runs out,
    // and then used in its turn.
    clock += 30_000;
    await client.getManifest("team/clocked", "1.0");
    expect(token.issuer.requests.slice(start).map((r) => r.scopes)).toEqual([["repository:team/clocked:pull"]]);
    await client.getManifest("team/clocked", "1.0");
    expect(token.issuer.requests.length).toBe(start + 1);
  });

  it("wrong credentials: the realm's refusal is a RegistryCredentialsError naming the endpoint", async () => {
    const client = endpointClient({ name: "token-remote", url: token.registry.url, auth: { kind: "token", credentials: WRONG } });
    const error = await rejection(client.getManifest("team/tokened", "1.0"));
    expect(error).toBeInstanceOf(RegistryCredentialsError);
    expect((error as Error).message).toContain('The registry "token-remote"');
    expect((error as Error).message).toContain('refused the credentials of "remote-user"');
    expect(token.issuer.requests.at(-1)).toMatchObject({ granted: false });
  });

  it("a manifest PUT that the registry refuses is a RegistryError, not an auth error", async () => {
    const client = endpointClient({ name: "token-remote", url: token.registry.url, auth: { kind: "token", credentials: CREDENTIALS } });
    const manifest = new TextEncoder().encode(
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_MANIFEST, config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: `sha256:${"1".repeat(64)}`, size: 2 }, layers: [] }),
    );
    const error = await rejection(client.putManifest("team/tokened", "broken", OCI_IMAGE_MANIFEST, manifest));
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).code).toBe("MANIFEST_BLOB_UNKNOWN");
  });
});

describe("challenge parsing and expected scopes", () => {
  it("reads realm, service and every scope of a Bearer challenge; other schemes are not followed", () => {
    expect(parseBearerChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push repository:c:pull"')).toEqual({
      realm: "https://auth.example/token",
      service: "registry.example",
      scopes: ["repository:a/b:pull,push", "repository:c:pull"],
    });
    expect(parseBearerChallenge('Basic realm="x"')).toBeNull();
    expect(parseBearerChallenge('Bearer service="no-realm"')).toBeNull();
  });

  it("never sends the credentials of an https registry to a plain-http realm", async () => {
    const challenge = { realm: token.issuer.url, service: token.service, scopes: ["repository:team/tokened:pull"] };
    const before = token.issuer.requests.length;
    const error = await rejection(fetchToken(challenge, CREDENTIALS, { timeoutMs: 5_000, registryUrl: "https://registry.example" }));
    expect(error).toBeInstanceOf(TokenUnavailableError);
    expect((error as Error).message).toContain("plain http");
    // The realm was never asked; the same realm for an http registry is.
    expect(token.issuer.requests.length).toBe(before);
    await fetchToken(challenge, CREDENTIALS, { timeoutMs: 5_000, registryUrl: token.registry.url });
    expect(token.issuer.requests.length).toBe(before + 1);
  });

  it("predicts the scope a request needs as Distribution asks for it", () => {
    expect(expectedScopes("GET", "/v2/a/b/manifests/1.0")).toEqual(["repository:a/b:pull"]);
    expect(expectedScopes("PUT", "/v2/a/b/blobs/uploads/abc?_state=x&digest=sha256:1")).toEqual(["repository:a/b:pull,push"]);
    expect(expectedScopes("POST", "/v2/a/b/blobs/uploads/?mount=sha256:1&from=c/d")).toEqual(["repository:a/b:pull,push", "repository:c/d:pull"]);
    expect(expectedScopes("DELETE", "/v2/a/b/manifests/sha256:1")).toEqual(["repository:a/b:delete"]);
    expect(expectedScopes("GET", "/v2/_catalog?n=10")).toEqual(["registry:catalog:*"]);
    expect(expectedScopes("GET", "/v2/")).toEqual([]);
  });
});
