import { createHash } from "node:crypto";
import { expect } from "vitest";
import { OCI_IMAGE_CONFIG, OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { REGISTRY_SERVICE } from "@/lib/services/registry-auth/constants";
import { handleRegistryRequest } from "@/lib/gateway/gateway";
import { handleTokenRequest } from "@/lib/gateway/token-endpoint";
import { TEST_CLIENT } from "@/lib/services/registry-auth/test-fixtures";
import { issueRegistryToken } from "@/lib/services/registry-auth/issue-token";

/**
 * A registry client for gateway tests: requests built as Wharf's front builds them and handed to
 * the gateway and token handlers. Not a test file; the test files set WHARF_EXTERNAL_URL to
 * GATEWAY_TEST_URL (and the registry's URL) before anything reads the environment.
 */
export const GATEWAY_TEST_URL = "http://wharf.test:3000";

export type GatewayCall = { method?: string; token?: string; authorization?: string; headers?: Record<string, string>; body?: Uint8Array | string };

export async function callGateway(pathAndQuery: string, { method = "GET", token, authorization, headers = {}, body }: GatewayCall = {}) {
  const h = new Headers(headers);
  if (token) h.set("authorization", `Bearer ${token}`);
  if (authorization) h.set("authorization", authorization);
  const url = pathAndQuery.startsWith("http") ? pathAndQuery : `${GATEWAY_TEST_URL}${pathAndQuery}`;
  // Copied: BodyInit does not accept a view that may sit on a SharedArrayBuffer.
  const payload = body === undefined ? null : typeof body === "string" ? body : new Uint8Array(body);
  return handleRegistryRequest(new Request(url, { method, headers: h, body: payload }));
}

export function callTokenService(query: string, { method = "GET", authorization }: { method?: string; authorization?: string } = {}) {
  const headers = new Headers(authorization ? { authorization } : {});
  return handleTokenRequest(new Request(`${GATEWAY_TEST_URL}/service/token${query}`, { method, headers }));
}

export async function registryErrorOf(res: Response): Promise<{ code: string; message: string; detail?: unknown }> {
  const body = (await res.json()) as { errors: { code: string; message: string; detail?: unknown }[] };
  return body.errors[0]!;
}

export async function tokenFor(authorization: string | null, ...scopes: string[]): Promise<string> {
  return (await issueRegistryToken({ authorization, service: REGISTRY_SERVICE, scopes, client: TEST_CLIENT })).token;
}

export function sha256(bytes: Uint8Array | string): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** A tiny image (config blob, no layers) pushed through the gateway: POST, PATCH, PUT, manifest PUT. */
export async function pushThroughGateway(token: string, repository: string, tag: string) {
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] }, tag }));
  const start = await callGateway(`/v2/${repository}/blobs/uploads/`, { method: "POST", token });
  expect(start.status).toBe(202);
  const patch = await callGateway(start.headers.get("location")!, {
    method: "PATCH",
    token,
    body: config,
    headers: { "content-type": "application/octet-stream", "content-length": String(config.length) },
  });
  expect(patch.status).toBe(202);
  const next = new URL(patch.headers.get("location")!);
  next.searchParams.set("digest", sha256(config));
  expect((await callGateway(next.toString(), { method: "PUT", token })).status).toBe(201);
  const manifest = manifestFor(config);
  const put = await callGateway(`/v2/${repository}/manifests/${tag}`, { method: "PUT", token, body: manifest, headers: { "content-type": OCI_IMAGE_MANIFEST } });
  expect(put.status).toBe(201);
  return { manifest, digest: sha256(manifest), configDigest: sha256(config), config };
}

export function manifestFor(config: Buffer): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_IMAGE_MANIFEST,
      config: { mediaType: OCI_IMAGE_CONFIG, digest: sha256(config), size: config.length },
      layers: [],
    }),
  );
}
