import { execFile } from "node:child_process";
import { createHash, createPrivateKey, createPublicKey, randomBytes, randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import path from "node:path";
import { promisify } from "node:util";
import { SignJWT } from "jose";
import { OCI_IMAGE_CONFIG, OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import type { RegistryClient } from "@/lib/registry/client";
import type { RegistryCredentials } from "@/lib/registry/credentials";
import { findFreePort, startLocalRegistry, type LocalRegistry } from "@/lib/registry/local-registry";
import { libtrustKeyId } from "@/lib/services/registry-auth/signing-key";

/**
 * Stand-ins for remote registries, for tests of the endpoint client and the copy engine: real
 * Distribution registries on free loopback ports, one with htpasswd (Basic) auth, one asking for
 * nothing, and one with Docker token auth whose realm is a small token issuer started here. The
 * issuer signs ES256 tokens with a key whose self-signed certificate is the registry's
 * rootcertbundle; the token's `kid` is that key's libtrust id, which is how Distribution 2.8
 * picks the certificate to verify with.
 */

const run = promisify(execFile);

export type TokenIssuer = {
  url: string;
  /** Token requests answered (with a token or a refusal), for tests of the client's cache. */
  requests: { scopes: string[]; account: string | null; granted: boolean }[];
  /** Lifetime of the tokens it hands out, in seconds (tests may change it). */
  expiresIn: number;
  stop(): Promise<void>;
};

export type TokenRegistry = { registry: LocalRegistry; issuer: TokenIssuer; service: string };

/** A P-256 key and a self-signed certificate for it, made with openssl in `dir`. */
async function makeSigningCertificate(dir: string): Promise<{ keyPem: string; certPath: string }> {
  const keyPath = path.join(dir, "issuer-key.pem");
  const certPath = path.join(dir, "issuer-cert.pem");
  await run("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", keyPath]);
  await run("openssl", ["req", "-x509", "-new", "-key", keyPath, "-out", certPath, "-days", "2", "-subj", "/CN=wharf-test-token-issuer"]);
  return { keyPem: await readFile(keyPath, "utf8"), certPath };
}

async function startIssuer({
  port,
  service,
  issuerName,
  credentials,
  keyPem,
}: {
  port: number;
  service: string;
  issuerName: string;
  credentials: RegistryCredentials;
  keyPem: string;
}): Promise<TokenIssuer> {
  const privateKey = createPrivateKey(keyPem);
  const kid = libtrustKeyId(createPublicKey(privateKey));
  const expected = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
  const issuer: TokenIssuer = {
    url: `http://127.0.0.1:${port}/token`,
    requests: [],
    expiresIn: 300,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", issuer.url);
      const scopes = url.searchParams.getAll("scope");
      const granted = req.headers.authorization === expected;
      issuer.requests.push({ scopes, account: url.searchParams.get("account"), granted });
      if (!granted || url.searchParams.get("service") !== service) {
        res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ details: "incorrect username or password" }));
        return;
      }
      // Everything asked for is granted: what is tested is the flow, not a permission model.
      const access = scopes.map((scope) => {
        const [type = "", ...rest] = scope.split(":");
        const actions = rest.pop() ?? "";
        return { type, name: rest.join(":"), actions: actions.split(",") };
      });
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({ access })
        .setProtectedHeader({ alg: "ES256", typ: "JWT", kid })
        .setIssuer(issuerName)
        .setSubject(credentials.username)
        .setAudience(service)
        .setIssuedAt(now)
        .setNotBefore(now - 5)
        .setExpirationTime(now + issuer.expiresIn)
        .setJti(randomUUID())
        .sign(privateKey);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token, expires_in: issuer.expiresIn }));
    })().catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return issuer;
}

/** A Distribution registry with token auth, and the issuer that is its realm (accepting `credentials`). */
export async function startTokenRegistry(dir: string, credentials: RegistryCredentials): Promise<TokenRegistry> {
  const { keyPem, certPath } = await makeSigningCertificate(dir);
  const service = "wharf-test-remote";
  const issuerName = "wharf-test-issuer";
  const issuer = await startIssuer({ port: await findFreePort(), service, issuerName, credentials, keyPem });
  const registry = await startLocalRegistry({
    dataDir: path.join(dir, "token-registry"),
    auth: { kind: "token", realm: issuer.url, service, issuer: issuerName, rootCertBundle: certPath },
  });
  return { registry, issuer, service };
}

/** A Distribution registry with htpasswd auth accepting `credentials`. */
export function startBasicRegistry(dir: string, credentials: RegistryCredentials): Promise<LocalRegistry> {
  return startLocalRegistry({ dataDir: path.join(dir, "basic-registry"), credentials });
}

/** A Distribution registry that asks for no credentials. */
export function startOpenRegistry(dir: string): Promise<LocalRegistry> {
  return startLocalRegistry({ dataDir: path.join(dir, "open-registry"), auth: { kind: "none" } });
}

// ---- content built in code, pushed with the client under test ----

export type PushedImage = { digest: string; bytes: Uint8Array; size: number; blobs: { digest: string; size: number }[] };

/** The OCI digest of `bytes`. */
export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

function streamOf(bytes: Uint8Array, chunk = 64 * 1024): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + chunk));
      offset += chunk;
    },
  });
}

/** Uploads a blob unless the repository has it already. */
export async function pushBlob(client: RegistryClient, repository: string, bytes: Uint8Array): Promise<{ digest: string; size: number }> {
  const digest = sha256(bytes);
  if (!(await client.headBlob(repository, digest))) {
    const { uploadUrl } = await client.startBlobUpload(repository);
    await client.uploadBlob(uploadUrl, digest, streamOf(bytes));
  }
  return { digest, size: bytes.byteLength };
}

/**
 * An OCI image of a config and `layers` random layers (`layerBytes` each) for one platform, pushed
 * into `repository` under `tag` (by digest when null).
 */
export async function pushGeneratedImage(
  client: RegistryClient,
  repository: string,
  { tag, architecture = "amd64", layers = 2, layerBytes = 4096 }: { tag: string | null; architecture?: string; layers?: number; layerBytes?: number },
): Promise<PushedImage> {
  const layerBlobs = [];
  for (let i = 0; i < layers; i++) layerBlobs.push(await pushBlob(client, repository, randomBytes(layerBytes)));
  const config = new TextEncoder().encode(
    JSON.stringify({ architecture, os: "linux", created: "2024-01-01T00:00:00Z", rootfs: { type: "layers", diff_ids: layerBlobs.map((l) => l.digest) }, config: {} }),
  );
  const configBlob = await pushBlob(client, repository, config);
  const manifest = new TextEncoder().encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_IMAGE_MANIFEST,
      config: { mediaType: OCI_IMAGE_CONFIG, ...configBlob },
      layers: layerBlobs.map((l) => ({ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...l })),
    }),
  );
  const digest = sha256(manifest);
  await client.putManifest(repository, tag ?? digest, OCI_IMAGE_MANIFEST, manifest);
  return { digest, bytes: manifest, size: manifest.byteLength, blobs: [configBlob, ...layerBlobs] };
}

/** A multi-platform OCI index of generated images (pushed by digest first), under `tag`. */
export async function pushGeneratedIndex(
  client: RegistryClient,
  repository: string,
  { tag, architectures = ["amd64", "arm64"], layerBytes = 4096 }: { tag: string; architectures?: string[]; layerBytes?: number },
): Promise<{ digest: string; children: PushedImage[]; blobs: { digest: string; size: number }[] }> {
  const children: PushedImage[] = [];
  for (const architecture of architectures) children.push(await pushGeneratedImage(client, repository, { tag: null, architecture, layerBytes }));
  const index = new TextEncoder().encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_IMAGE_INDEX,
      manifests: children.map((c, i) => ({ mediaType: OCI_IMAGE_MANIFEST, digest: c.digest, size: c.size, platform: { os: "linux", architecture: architectures[i] } })),
    }),
  );
  const digest = sha256(index);
  await client.putManifest(repository, tag, OCI_IMAGE_INDEX, index);
  return { digest, children, blobs: children.flatMap((c) => c.blobs) };
}
