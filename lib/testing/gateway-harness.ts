import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { backingRegistryCredentials } from "@/lib/registry/backing-registry";
import { RegistryClient } from "@/lib/registry/client";
import { startLocalRegistry, type LocalRegistry } from "@/lib/registry/local-registry";
import { OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { REGISTRY_SERVICE } from "@/lib/services/registry-auth/constants";
import { handleRegistryRequest } from "@/lib/gateway/gateway";
import { issueRegistryToken } from "@/lib/services/registry-auth/issue-token";
import { basic, createMember, createProject, TEST_CLIENT } from "@/lib/services/registry-auth/test-fixtures";
import { skopeoCopy, writeOciImageLayout } from "@/lib/testing/oci-layout";

/**
 * A real Distribution registry for one test file, and helpers that push through Wharf's gateway
 * handler, so what the index learns, it learns from the manifest PUT. Call it at the top level of
 * a test file whose `vi.hoisted` block has already set WHARF_REGISTRY_URL to `registryPort` and
 * WHARF_EXTERNAL_URL to `external` (getServerEnv() reads them once). The registry accepts only
 * WHARF_REGISTRY_USERNAME/PASSWORD (set for every test file by setup-env.ts), as Wharf's does.
 */
export function gatewayHarness({ registryPort, external, name, dataDir }: { registryPort: number; external: string; name: string; dataDir?: string }) {
  let tmp = "";
  let registry: LocalRegistry | undefined;
  let backing: RegistryClient | undefined;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), `wharf-${name}-test-`));
    const credentials = backingRegistryCredentials();
    // `dataDir`: a test that must know the registry's config and storage paths before anything reads the environment (garbage collection).
    registry = await startLocalRegistry({ dataDir: dataDir ?? path.join(tmp, "data"), port: registryPort, credentials });
    backing = new RegistryClient({ baseUrl: registry.url, credentials });
  }, 60_000);

  afterAll(async () => {
    await registry?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  async function call(
    pathAndQuery: string,
    { method = "GET", token, headers = {}, body }: { method?: string; token: string; headers?: Record<string, string>; body?: Uint8Array },
  ) {
    const h = new Headers(headers);
    h.set("authorization", `Bearer ${token}`);
    // Copied: BodyInit does not accept a view that may sit on a SharedArrayBuffer.
    return handleRegistryRequest(new Request(`${external}${pathAndQuery}`, { method, headers: h, body: body ? new Uint8Array(body) : null }));
  }

  async function tokenFor(username: string, repository: string, actions = "pull,push,delete"): Promise<string> {
    return (await issueRegistryToken({ authorization: basic(username), service: REGISTRY_SERVICE, scopes: [`repository:${repository}:${actions}`], client: TEST_CLIENT })).token;
  }

  /**
   * Gets blobs (and an index's children) into `repository` with skopeo straight to the registry,
   * then removes the top manifest again, so that the manifest PUT through the gateway is the push
   * that creates it.
   */
  async function stage(ref: string, repository: string, digest: string): Promise<void> {
    await skopeoCopy(ref, `docker://127.0.0.1:${registryPort}/${repository}:staging`, { all: true, destCreds: registryCreds() });
    await harness.backing.deleteManifest(repository, digest);
  }

  async function blobBytes(dir: string, digest: string): Promise<Buffer> {
    return readFile(path.join(dir, "blobs", "sha256", digest.slice("sha256:".length)));
  }

  async function putManifest(token: string, repository: string, reference: string, bytes: Uint8Array, mediaType: string) {
    const res = await call(`/v2/${repository}/manifests/${reference}`, { method: "PUT", token, body: bytes, headers: { "content-type": mediaType } });
    expect(res.status).toBe(201);
    return res;
  }

  /** A project with a Maintainer, the repository `<project>/app` and a token for it. */
  async function setup() {
    const project = await createProject();
    const maintainer = await createMember(project.id, 4);
    const repository = `${project.name}/app`;
    return { project, maintainer, repository, token: await tokenFor(maintainer.username, repository) };
  }

  async function pushImage(token: string, repository: string, tags: string[]) {
    const dir = path.join(tmp, `img-${Math.random().toString(36).slice(2)}`);
    const image = await writeOciImageLayout(dir, { tag: "t", architecture: "arm64", variant: "v8", author: "Wharf Tests <t@example.com>" });
    await stage(image.ref, repository, image.manifestDigest);
    const bytes = await blobBytes(dir, image.manifestDigest);
    for (const tag of tags) await putManifest(token, repository, tag, bytes, OCI_IMAGE_MANIFEST);
    return { image, dir, bytes };
  }

  /** skopeo's `user:password` for the registry itself. */
  function registryCreds(): string {
    const credentials = backingRegistryCredentials();
    if (!credentials) throw new Error("WHARF_REGISTRY_USERNAME/PASSWORD are unset (lib/testing/setup-env.ts sets them)");
    return `${credentials.username}:${credentials.password}`;
  }

  const harness = {
    /** The file's scratch directory (set once beforeAll has run). */
    get tmp(): string {
      return tmp;
    },
    /** A client straight to the backing registry, to check what Wharf did there. */
    get backing(): RegistryClient {
      if (!backing) throw new Error("the registry has not started yet (use it inside tests)");
      return backing;
    },
    /** Stops the registry before the file ends (a test of what Wharf answers without it). */
    async stopRegistry(): Promise<void> {
      await registry?.stop();
      registry = undefined;
    },
    registryCreds,
    call,
    tokenFor,
    stage,
    blobBytes,
    putManifest,
    setup,
    pushImage,
  };
  return harness;
}
