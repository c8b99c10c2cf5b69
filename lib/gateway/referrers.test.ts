import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// The registry's port and Wharf's external URL are read once by getServerEnv(), before any test
// code runs; the registry itself starts in beforeAll (gatewayHarness) on the port picked here.
const REGISTRY_PORT = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryPort("registry-auth-tests-secret-key-0123456789")));

import { callGateway, GATEWAY_TEST_URL, pushThroughGateway, registryErrorOf, sha256, tokenFor } from "@/lib/gateway/gateway-test-client";
import { OCI_EMPTY_JSON, OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { startFront, type WharfServer } from "@/lib/runtime/server";
import { gatewayHarness } from "@/lib/testing/gateway-harness";
import { REFERRERS_PAGE_SIZE } from "@/lib/services/repositories/list-referrers";
import { basic, createMember, createProject, createRobot, db } from "@/lib/services/registry-auth/test-fixtures";
import { REGISTRY_SERVICE } from "@/lib/services/registry-auth/constants";
import { bumpGrantVersion } from "@/lib/services/registry-auth/grant-version";

/**
 * The referrers API (distribution spec 1.1) through Wharf, with a real Distribution 2.8 behind the
 * gateway, which has none: GET /v2/<name>/referrers/<digest> from Wharf's index, OCI-Subject on a
 * referrer's push, and the referrers tag schema's fallback index still working beside it.
 */
const harness = gatewayHarness({ registryPort: REGISTRY_PORT, external: GATEWAY_TEST_URL, name: "referrers" });

let front: WharfServer;
let frontPort = 0;

beforeAll(async () => {
  front = await startFront({ hostname: "127.0.0.1", port: 0, handleNext: async (_req, res) => void res.end() });
  frontPort = (front.server.address() as { port: number }).port;
});

afterAll(async () => {
  await front?.close();
});

type RawAnswer = { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer };

/** One request over a plain HTTP connection to Wharf's front, as a registry client sends it. */
function raw(method: string, path: string, { headers = {}, body }: { headers?: Record<string, string>; body?: Uint8Array } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port: frontPort, method, path, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (chunk: Buffer) => parts.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

const EMPTY = Buffer.from("{}");
const SBOM = "application/vnd.example.sbom.v1";
const SIGNATURE_CONFIG = "application/vnd.example.signature.config.v1+json";

type Descriptor = { mediaType: string; digest: string; size: number; artifactType?: string; annotations?: Record<string, string> };
type ReferrersIndex = { schemaVersion: number; mediaType: string; manifests: Descriptor[] };

/** A blob uploaded through the gateway in one POST, PATCH and PUT. */
async function uploadBlob(token: string, repository: string, bytes: Buffer): Promise<string> {
  const start = await callGateway(`/v2/${repository}/blobs/uploads/`, { method: "POST", token });
  expect(start.status).toBe(202);
  const patch = await callGateway(start.headers.get("location")!, {
    method: "PATCH",
    token,
    body: bytes,
    headers: { "content-type": "application/octet-stream", "content-length": String(bytes.length) },
  });
  expect(patch.status).toBe(202);
  const done = new URL(patch.headers.get("location")!);
  done.searchParams.set("digest", sha256(bytes));
  expect((await callGateway(done.toString(), { method: "PUT", token })).status).toBe(201);
  return sha256(bytes);
}

/**
 * An artifact manifest whose subject is `subject` (`artifactType` set, or left to the config's
 * media type); its config and layer blobs must be in the repository (uploadBlob).
 */
function referrerManifest({
  subject,
  artifactType,
  config = { mediaType: OCI_EMPTY_JSON, bytes: EMPTY },
  annotations,
}: {
  subject: { digest: string; size: number } | null;
  artifactType?: string;
  config?: { mediaType: string; bytes: Buffer };
  annotations?: Record<string, string>;
}): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_IMAGE_MANIFEST,
      ...(artifactType ? { artifactType } : {}),
      config: { mediaType: config.mediaType, digest: sha256(config.bytes), size: config.bytes.length },
      layers: [{ mediaType: OCI_EMPTY_JSON, digest: sha256(EMPTY), size: EMPTY.length }],
      ...(subject ? { subject: { mediaType: OCI_IMAGE_MANIFEST, ...subject } } : {}),
      ...(annotations ? { annotations } : {}),
    }),
  );
}

function putManifest(token: string, repository: string, reference: string, bytes: Buffer, mediaType = OCI_IMAGE_MANIFEST) {
  return callGateway(`/v2/${repository}/manifests/${reference}`, { method: "PUT", token, body: bytes, headers: { "content-type": mediaType } });
}

/** Pushes `bytes` by digest through the gateway; answers its descriptor. */
async function pushReferrer(token: string, repository: string, bytes: Buffer, mediaType = OCI_IMAGE_MANIFEST): Promise<Response> {
  const res = await putManifest(token, repository, sha256(bytes), bytes, mediaType);
  expect(res.status).toBe(201);
  return res;
}

async function referrers(token: string | undefined, path: string): Promise<{ res: Response; index: ReferrersIndex; next: string | null }> {
  const res = await callGateway(path, { token });
  expect(res.status, path).toBe(200);
  expect(res.headers.get("content-type")).toBe(OCI_IMAGE_INDEX);
  const index = (await res.json()) as ReferrersIndex;
  const link = res.headers.get("link");
  return { res, index, next: link === null ? null : /^<([^>]+)>; rel="next"$/.exec(link)![1]! };
}

/** A subject image (tag 1.0) and the empty blob every test artifact uses, in a fresh project. */
async function withSubject() {
  const setup = await harness.setup();
  const subject = await pushThroughGateway(setup.token, setup.repository, "1.0");
  await uploadBlob(setup.token, setup.repository, EMPTY);
  return { ...setup, subject, subjectRef: { digest: subject.digest, size: subject.manifest.length } };
}

function byDigest(a: { digest: string }, b: { digest: string }): number {
  return a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0;
}

describe("GET /v2/<name>/referrers/<digest>", () => {
  it("lists the manifests whose subject is the digest, with artifactType and annotations; a push with a subject answers OCI-Subject", async () => {
    const { maintainer, repository, token, subject, subjectRef } = await withSubject();
    const signatureConfig = Buffer.from(JSON.stringify({ signed: true }));
    await uploadBlob(token, repository, signatureConfig);

    const sbom = referrerManifest({ subject: subjectRef, artifactType: SBOM, annotations: { "org.opencontainers.image.created": "2026-12-05T00:00:00Z", "x.note": "sbom" } });
    // No artifactType: the descriptor carries the config's media type, as the spec says.
    const signature = referrerManifest({ subject: subjectRef, config: { mediaType: SIGNATURE_CONFIG, bytes: signatureConfig } });
    // An index may have a subject too.
    const bundle = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, artifactType: "application/vnd.example.bundle", manifests: [], subject: { mediaType: OCI_IMAGE_MANIFEST, ...subjectRef } }));

    // Through Wharf's front, as a client sees it: the header survives to the wire.
    const pushed = await raw("PUT", `/v2/${repository}/manifests/${sha256(sbom)}`, {
      headers: { authorization: `Bearer ${token}`, "content-type": OCI_IMAGE_MANIFEST, "content-length": String(sbom.length) },
      body: sbom,
    });
    expect(pushed.status).toBe(201);
    expect(pushed.headers["oci-subject"]).toBe(subject.digest);
    expect((await pushReferrer(token, repository, signature)).headers.get("oci-subject")).toBe(subject.digest);
    expect((await pushReferrer(token, repository, bundle, OCI_IMAGE_INDEX)).headers.get("oci-subject")).toBe(subject.digest);
    // A push without a subject says nothing of one.
    const plain = await putManifest(token, repository, "again", subject.manifest);
    expect(plain.status).toBe(201);
    expect(plain.headers.get("oci-subject")).toBeNull();

    // Not listed: a referrer of another digest, a cosign tag-convention signature (its manifest
    // names no subject; the tag alone ties it to the image), and a referrer in another repository.
    const otherSubject = `sha256:${"e".repeat(64)}`;
    await pushReferrer(token, repository, referrerManifest({ subject: { digest: otherSubject, size: 10 }, artifactType: SBOM }));
    const cosign = referrerManifest({ subject: null, annotations: { "dev.cosignproject.cosign/signature": "x" } });
    expect((await putManifest(token, repository, `${subject.digest.replace(":", "-")}.sig`, cosign)).status).toBe(201);
    const elsewhere = `${repository}-other`;
    const elsewhereToken = await harness.tokenFor(maintainer.username, elsewhere);
    await uploadBlob(elsewhereToken, elsewhere, EMPTY);
    await pushReferrer(elsewhereToken, elsewhere, referrerManifest({ subject: subjectRef, artifactType: SBOM }));

    const expected: Descriptor[] = [
      {
        mediaType: OCI_IMAGE_MANIFEST,
        digest: sha256(sbom),
        size: sbom.length,
        artifactType: SBOM,
        annotations: { "org.opencontainers.image.created": "2026-12-05T00:00:00Z", "x.note": "sbom" },
      },
      { mediaType: OCI_IMAGE_MANIFEST, digest: sha256(signature), size: signature.length, artifactType: SIGNATURE_CONFIG },
      { mediaType: OCI_IMAGE_INDEX, digest: sha256(bundle), size: bundle.length, artifactType: "application/vnd.example.bundle" },
    ].sort(byDigest);
    const { res, index, next } = await referrers(token, `/v2/${repository}/referrers/${subject.digest}`);
    expect(index).toEqual({ schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests: expected });
    expect(next).toBeNull();
    expect(res.headers.get("oci-filters-applied")).toBeNull();

    // The same over the wire: framing and headers as a client reads them.
    const wire = await raw("GET", `/v2/${repository}/referrers/${subject.digest}`, { headers: { authorization: `Bearer ${token}` } });
    expect(wire.status).toBe(200);
    expect(wire.headers["content-type"]).toBe(OCI_IMAGE_INDEX);
    expect(wire.headers["content-length"]).toBe(String(wire.body.length));
    expect(JSON.parse(wire.body.toString()).manifests).toEqual(expected);

    // A referrer pushed before its subject exists (the spec allows it) is listed under that digest.
    expect((await referrers(token, `/v2/${repository}/referrers/${otherSubject}`)).index.manifests.map((m) => m.artifactType)).toEqual([SBOM]);
  });

  it("filters by artifactType and says so in OCI-Filters-Applied", async () => {
    const { repository, token, subject, subjectRef } = await withSubject();
    const sbom = referrerManifest({ subject: subjectRef, artifactType: SBOM });
    const other = referrerManifest({ subject: subjectRef, artifactType: "application/vnd.example.other" });
    await pushReferrer(token, repository, sbom);
    await pushReferrer(token, repository, other);

    const filtered = await referrers(token, `/v2/${repository}/referrers/${subject.digest}?artifactType=${encodeURIComponent(SBOM)}`);
    expect(filtered.res.headers.get("oci-filters-applied")).toBe("artifactType");
    expect(filtered.index.manifests.map((m) => m.digest)).toEqual([sha256(sbom)]);
    const none = await referrers(token, `/v2/${repository}/referrers/${subject.digest}?artifactType=application/vnd.example.none`);
    expect(none.res.headers.get("oci-filters-applied")).toBe("artifactType");
    expect(none.index.manifests).toEqual([]);
    const all = await referrers(token, `/v2/${repository}/referrers/${subject.digest}`);
    expect(all.index.manifests.map((m) => m.digest).sort()).toEqual([sha256(sbom), sha256(other)].sort());
  });

  it("answers an empty index for a digest with no referrers, one that does not exist, and a repository never pushed; 400 for a malformed digest", async () => {
    const { project, repository, token, subject } = await withSubject();
    for (const path of [
      `/v2/${repository}/referrers/${subject.digest}`,
      `/v2/${repository}/referrers/sha256:${"0".repeat(64)}`,
      `/v2/${repository}/referrers/sha512:${"0".repeat(128)}`,
    ]) {
      const { index, next } = await referrers(token, path);
      expect(index).toEqual({ schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests: [] });
      expect(next).toBeNull();
    }
    const fresh = `${project.name}/never-pushed`;
    const freshToken = await harness.tokenFor((await createMember(project.id, 4)).username, fresh);
    expect((await referrers(freshToken, `/v2/${fresh}/referrers/${subject.digest}`)).index.manifests).toEqual([]);

    for (const bad of ["sha256:abc", `sha256:${"Z".repeat(64)}`, "latest", `md5:${"0".repeat(32)}`]) {
      const res = await callGateway(`/v2/${repository}/referrers/${bad}`, { token });
      expect(res.status, bad).toBe(400);
      expect((await registryErrorOf(res)).code).toBe("DIGEST_INVALID");
    }
    const badCursor = await callGateway(`/v2/${repository}/referrers/${subject.digest}?last=nope`, { token });
    expect(badCursor.status).toBe(400);
    expect((await registryErrorOf(badCursor)).code).toBe("DIGEST_INVALID");
    const head = await callGateway(`/v2/${repository}/referrers/${subject.digest}`, { method: "HEAD", token });
    expect(head.status).toBe(405);
  });

  it("needs pull on the repository: the anonymous get the challenge naming pull, outsiders and other repositories' tokens are refused", async () => {
    const { project, repository, token, subject, subjectRef } = await withSubject();
    await pushReferrer(token, repository, referrerManifest({ subject: subjectRef, artifactType: SBOM }));
    const path = `/v2/${repository}/referrers/${subject.digest}`;

    const anonymous = await callGateway(path);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toBe(
      `Bearer realm="${GATEWAY_TEST_URL}/service/token",service="${REGISTRY_SERVICE}",scope="repository:${repository}:pull"`,
    );
    // An anonymous token for a private project grants nothing.
    const anonymousToken = await tokenFor(null, `repository:${repository}:pull`);
    const refusedAnonymous = await callGateway(path, { token: anonymousToken });
    expect(refusedAnonymous.status).toBe(401);
    expect(refusedAnonymous.headers.get("www-authenticate")).toContain('error="insufficient_scope"');

    const outsider = await createMember((await createProject()).id, 1);
    const basicOutsider = await callGateway(path, { authorization: basic(outsider.username) });
    expect(basicOutsider.status).toBe(401);
    expect((await registryErrorOf(basicOutsider)).code).toBe("UNAUTHORIZED");
    const outsiderToken = await tokenFor(basic(outsider.username), `repository:${repository}:pull`);
    expect((await callGateway(path, { token: outsiderToken })).status).toBe(401);

    // A token for another repository of the same project does not reach this one.
    const member = await createMember(project.id, 2);
    const otherRepoToken = await tokenFor(basic(member.username), `repository:${project.name}/other:pull`);
    expect((await callGateway(path, { token: otherRepoToken })).status).toBe(401);
    // Revoked since the token was issued: refused at once, like a manifest GET.
    const memberToken = await tokenFor(basic(member.username), `repository:${repository}:pull`);
    expect((await referrers(memberToken, path)).index.manifests).toHaveLength(1);
    await db.projectMember.deleteMany({ where: { projectId: project.id, userId: member.id } });
    await db.$transaction((tx) => bumpGrantVersion(tx));
    expect((await callGateway(path, { token: memberToken })).status).toBe(401);

    // Pull is enough: a Limited Guest, a pull-only robot, Basic credentials.
    const limited = await createMember(project.id, 5);
    expect((await referrers(await tokenFor(basic(limited.username), `repository:${repository}:pull`), path)).index.manifests).toHaveLength(1);
    const robot = await createRobot(project, ["repository:pull"]);
    expect((await referrers(await tokenFor(basic(robot.name, robot.secret), `repository:${repository}:pull`), path)).index.manifests).toHaveLength(1);
    const viaBasic = await callGateway(path, { authorization: basic(limited.username) });
    expect(viaBasic.status).toBe(200);
  });

  it("lets anyone list in a public project", async () => {
    const project = await createProject({ isPublic: true });
    const maintainer = await createMember(project.id, 4);
    const repository = `${project.name}/app`;
    const token = await harness.tokenFor(maintainer.username, repository);
    const subject = await pushThroughGateway(token, repository, "1.0");
    await uploadBlob(token, repository, EMPTY);
    const sbom = referrerManifest({ subject: { digest: subject.digest, size: subject.manifest.length }, artifactType: SBOM });
    await pushReferrer(token, repository, sbom);
    const anonymous = await tokenFor(null, `repository:${repository}:pull`);
    expect((await referrers(anonymous, `/v2/${repository}/referrers/${subject.digest}`)).index.manifests.map((m) => m.digest)).toEqual([sha256(sbom)]);
  });

  it("pages with a Link that keeps the filter and the page size, none after the last page", async () => {
    const { repository, token, subject, subjectRef } = await withSubject();
    const pushed: string[] = [];
    for (let i = 0; i < 5; i++) {
      const bytes = referrerManifest({ subject: subjectRef, artifactType: SBOM, annotations: { i: String(i) } });
      await pushReferrer(token, repository, bytes);
      pushed.push(sha256(bytes));
    }
    await pushReferrer(token, repository, referrerManifest({ subject: subjectRef, artifactType: "application/vnd.example.other" }));
    pushed.sort();

    const seen: string[] = [];
    const links: string[] = [];
    let path: string | null = `/v2/${repository}/referrers/${subject.digest}?artifactType=${encodeURIComponent(SBOM)}&n=2`;
    while (path) {
      const page = await referrers(token, path);
      expect(page.index.manifests.length).toBeLessThanOrEqual(2);
      expect(page.res.headers.get("oci-filters-applied")).toBe("artifactType");
      seen.push(...page.index.manifests.map((m) => m.digest));
      if (page.next) links.push(page.next);
      path = page.next;
    }
    expect(seen).toEqual(pushed);
    const base = `/v2/${repository}/referrers/${subject.digest}?n=2&artifactType=${encodeURIComponent(SBOM)}`;
    expect(links).toEqual([`${base}&last=${encodeURIComponent(pushed[1]!)}`, `${base}&last=${encodeURIComponent(pushed[3]!)}`]);
    // Exactly n left: no Link.
    const lastTwo = await referrers(token, `/v2/${repository}/referrers/${subject.digest}?artifactType=${encodeURIComponent(SBOM)}&n=2&last=${pushed[2]}`);
    expect(lastTwo.index.manifests.map((m) => m.digest)).toEqual(pushed.slice(3));
    expect(lastTwo.next).toBeNull();
    // n above the page size is the page size.
    expect((await referrers(token, `/v2/${repository}/referrers/${subject.digest}?n=${REFERRERS_PAGE_SIZE * 10}`)).index.manifests).toHaveLength(6);
  });

  it(`is served from Wharf's index, ${REFERRERS_PAGE_SIZE} descriptors a page by default`, async () => {
    const { repository, token, subject, subjectRef } = await withSubject();
    const real = referrerManifest({ subject: subjectRef, artifactType: SBOM });
    await pushReferrer(token, repository, real);
    // Rows only the index holds (the registry has none of them): the answer comes from the index.
    const repo = await db.repository.findUniqueOrThrow({ where: { name: repository }, select: { id: true } });
    await db.artifact.createMany({
      data: Array.from({ length: REFERRERS_PAGE_SIZE }, (_, i) => ({
        repositoryId: repo.id,
        digest: sha256(`indexed-${i}`),
        mediaType: OCI_IMAGE_MANIFEST,
        artifactType: SBOM,
        manifestSize: 100 + i,
        totalSize: 0n,
        pushedAt: new Date(),
        subjectDigest: subject.digest,
        isReferrer: true,
        accessoryType: "sbom" as const,
      })),
    });
    const first = await referrers(token, `/v2/${repository}/referrers/${subject.digest}`);
    expect(first.index.manifests).toHaveLength(REFERRERS_PAGE_SIZE);
    const lastOfFirst = first.index.manifests.at(-1)!.digest;
    expect(first.next).toBe(`/v2/${repository}/referrers/${subject.digest}?last=${encodeURIComponent(lastOfFirst)}`);
    const second = await referrers(token, first.next!);
    expect(second.index.manifests).toHaveLength(1);
    expect(second.next).toBeNull();
    const all = [...first.index.manifests, ...second.index.manifests].map((m) => m.digest);
    expect(all).toEqual([...all].sort());
    expect(new Set(all).size).toBe(REFERRERS_PAGE_SIZE + 1);
    expect(all).toContain(sha256(real));
  });

  it("drops a referrer whose manifest was deleted", async () => {
    const { repository, token, subject, subjectRef } = await withSubject();
    const keep = referrerManifest({ subject: subjectRef, artifactType: SBOM, annotations: { keep: "yes" } });
    const drop = referrerManifest({ subject: subjectRef, artifactType: SBOM, annotations: { keep: "no" } });
    await pushReferrer(token, repository, keep);
    await pushReferrer(token, repository, drop);
    const path = `/v2/${repository}/referrers/${subject.digest}`;
    expect((await referrers(token, path)).index.manifests.map((m) => m.digest).sort()).toEqual([sha256(keep), sha256(drop)].sort());
    const deleted = await callGateway(`/v2/${repository}/manifests/${sha256(drop)}`, { method: "DELETE", token });
    expect(deleted.status).toBe(202);
    expect((await referrers(token, path)).index.manifests.map((m) => m.digest)).toEqual([sha256(keep)]);
    // Deleting the subject leaves its referrers listed under its digest (their manifests remain).
    expect((await callGateway(`/v2/${repository}/manifests/${subject.digest}`, { method: "DELETE", token })).status).toBe(202);
    expect((await referrers(token, path)).index.manifests.map((m) => m.digest)).toEqual([sha256(keep)]);
  });
});

describe("the referrers tag schema beside the API", () => {
  it("keeps working (GET sha256-<hex> 404, PUT the index, GET it, PUT it updated), and both views list the same referrers", async () => {
    const { repository, token, subject, subjectRef } = await withSubject();
    const fallbackTag = subject.digest.replace(":", "-");
    const accept = { accept: OCI_IMAGE_INDEX };

    // What a client on the tag schema does for its first referrer: push it, find no index, push one.
    const first = referrerManifest({ subject: subjectRef, artifactType: SBOM, annotations: { n: "1" } });
    await pushReferrer(token, repository, first);
    const missing = await callGateway(`/v2/${repository}/manifests/${fallbackTag}`, { token, headers: accept });
    expect(missing.status).toBe(404);
    expect((await registryErrorOf(missing)).code).toBe("MANIFEST_UNKNOWN");
    const descriptorOf = (bytes: Buffer, annotations: Record<string, string>) => ({ mediaType: OCI_IMAGE_MANIFEST, digest: sha256(bytes), size: bytes.length, artifactType: SBOM, annotations });
    const indexOf = (manifests: unknown[]) => Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests }));
    const v1 = indexOf([descriptorOf(first, { n: "1" })]);
    const put1 = await putManifest(token, repository, fallbackTag, v1, OCI_IMAGE_INDEX);
    expect(put1.status).toBe(201);
    expect(put1.headers.get("oci-subject")).toBeNull();
    const got1 = await callGateway(`/v2/${repository}/manifests/${fallbackTag}`, { token, headers: accept });
    expect(got1.status).toBe(200);
    expect(Buffer.from(await got1.arrayBuffer()).equals(v1)).toBe(true);

    // A second referrer that reached the registry behind Wharf's back, listed only in the updated
    // fallback index: pushing that index through Wharf indexes it, so the API finds it too.
    const second = referrerManifest({ subject: subjectRef, artifactType: SBOM, annotations: { n: "2" } });
    await harness.backing.putManifest(repository, sha256(second), OCI_IMAGE_MANIFEST, second);
    const v2 = indexOf([descriptorOf(first, { n: "1" }), descriptorOf(second, { n: "2" })]);
    expect((await putManifest(token, repository, fallbackTag, v2, OCI_IMAGE_INDEX)).status).toBe(201);
    const got2 = await callGateway(`/v2/${repository}/manifests/${fallbackTag}`, { token, headers: accept });
    expect(Buffer.from(await got2.arrayBuffer()).equals(v2)).toBe(true);

    // The API lists the referrers themselves, not the fallback index (it has no subject), with the
    // descriptors the fallback index holds.
    const { index } = await referrers(token, `/v2/${repository}/referrers/${subject.digest}`);
    expect(index.manifests).toEqual([descriptorOf(first, { n: "1" }), descriptorOf(second, { n: "2" })].sort(byDigest));
    expect(index.manifests.map((m) => m.digest)).not.toContain(sha256(v2));
  });
});

describe("a referrer of a sha512 digest", () => {
  it("is accepted, indexed and listed (the digest is longer than a sha256 one)", async () => {
    const { repository, token } = await withSubject();
    const subject = `sha512:${"ab".repeat(64)}`;
    const bytes = referrerManifest({ subject: { digest: subject, size: 10 }, artifactType: SBOM });
    expect((await pushReferrer(token, repository, bytes)).headers.get("oci-subject")).toBe(subject);
    expect((await referrers(token, `/v2/${repository}/referrers/${subject}`)).index.manifests.map((m) => m.digest)).toEqual([sha256(bytes)]);
  });
});
