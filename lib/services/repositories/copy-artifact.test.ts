import { readFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";

// As in the other registry tests: the registry port and external URL are read once by getServerEnv().
const REGISTRY_PORT = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryPort("copy-artifact-tests-secret-key-0123456789")));

import * as buildHistoryRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/additions/build_history/route";
import * as tagRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/tags/[tag_name]/route";
import * as tagsRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/tags/route";
import * as artifactsRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/route";
import { apiRequest, basic, call, errorOf } from "@/lib/api/test-kit";
import { digestOf } from "@/lib/registry/client";
import { copy as copyEngine } from "@/lib/registry/copy";
import { OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { createMember, createProject, db } from "@/lib/services/registry-auth/test-fixtures";
import { copyArtifact, listCopyTargetProjects } from "@/lib/services/repositories/copy-artifact";
import { actorFor, createTestUser } from "@/lib/testing/factories";
import { gatewayHarness } from "@/lib/testing/gateway-harness";
import { listArtifacts } from "@/lib/services/repositories/list-artifacts";
import { skopeoCopy, writeOciAccessoryLayout, writeOciImageLayout, writeOciIndexLayout } from "@/lib/testing/oci-layout";

const EXTERNAL = "http://wharf.test:3000";
const h = gatewayHarness({ registryPort: REGISTRY_PORT, external: EXTERNAL, name: "copy-artifact" });

/**
 * Source: a private project with an image (`app:1.0`, `app:stable`) and a two-platform index
 * (`multi:2.0`), pushed through the gateway. Destination: another private project where the
 * same Maintainer is a Developer, and a Guest.
 */
type Fixture = {
  src: string;
  dst: string;
  image: string;
  index: { digest: string; children: string[] };
  maintainer: { id: number; username: string; isAdmin: boolean };
  guestUser: { id: number; username: string; isAdmin: boolean };
  guest: string;
  outsider: string;
};
let f: Fixture;

beforeAll(async () => {
  const src = await createProject();
  const dst = await createProject();
  const maintainer = await createMember(src.id, 4);
  await db.projectMember.create({ data: { projectId: dst.id, userId: maintainer.id, roleId: 2 } });
  const guest = await createMember(dst.id, 3);
  await db.projectMember.create({ data: { projectId: src.id, userId: guest.id, roleId: 3 } });
  // A Developer in the destination who is no member of the (private) source project.
  const outsider = await createMember(dst.id, 2);

  const token = await h.tokenFor(maintainer.username, `${src.name}/app`);
  const { image } = await h.pushImage(token, `${src.name}/app`, ["1.0", "stable"]);

  const dir = path.join(h.tmp, "multi");
  const index = await writeOciIndexLayout(dir, {
    tag: "multi",
    platforms: [
      { os: "linux", architecture: "amd64" },
      { os: "linux", architecture: "arm64", variant: "v8" },
    ],
  });
  const multi = `${src.name}/multi`;
  await h.stage(index.ref, multi, index.indexDigest);
  await h.putManifest(await h.tokenFor(maintainer.username, multi), multi, "2.0", await h.blobBytes(dir, index.indexDigest), OCI_IMAGE_INDEX);

  f = {
    src: src.name,
    dst: dst.name,
    image: image.manifestDigest,
    index: { digest: index.indexDigest, children: index.childDigests },
    maintainer,
    guestUser: guest,
    guest: basic(guest.username),
    outsider: basic(outsider.username),
  };
}, 180_000);

/** `POST /projects/<dst>/repositories/<name>/artifacts?from=...` as Next hands it over. */
function copy(auth: string, name: string, from: string | null, dst = f.dst) {
  const query = from === null ? "" : `?from=${encodeURIComponent(from)}`;
  const encoded = encodeURIComponent(encodeURIComponent(name));
  return call(artifactsRoute.POST, apiRequest(`/projects/${dst}/repositories/${encoded}/artifacts${query}`, { method: "POST", auth }), {
    project_name_or_id: dst,
    repository_name: encodeURIComponent(name),
  });
}

function copyRows(name: string) {
  return db.auditEvent.findMany({ where: { action: "artifact.copy", resourceName: { startsWith: name } }, select: { resourceName: true, detail: true, result: true, projectId: true } });
}

/** The manifest digest skopeo writes into an OCI layout it pulled `ref` into (straight from the registry). */
async function pulledDigest(ref: string, all = false): Promise<string> {
  const dir = path.join(h.tmp, `pull-${Math.random().toString(36).slice(2)}`);
  await skopeoCopy(`docker://127.0.0.1:${REGISTRY_PORT}/${ref}`, `oci:${dir}:pulled`, { all, srcCreds: h.registryCreds() });
  const index = JSON.parse(await readFile(path.join(dir, "index.json"), "utf8")) as { manifests: { digest: string }[] };
  return index.manifests[0]!.digest;
}

describe("copy artifact (REST)", () => {
  it("copies an image by tag into another project: same digest in the registry, indexed, one artifact.copy row", async () => {
    const auth = basic(f.maintainer.username);
    const res = await copy(auth, "copied/app", `${f.src}/app:1.0`);
    expect(res.status).toBe(201);
    const location = res.headers.get("location")!;
    expect(location).toBe(`/api/v2.0/projects/${f.dst}/repositories/copied%252Fapp/artifacts/${f.image}`);

    const to = `${f.dst}/copied/app`;
    // Pulled with skopeo from the copy: the digest is the source's.
    expect(await pulledDigest(`${to}:1.0`)).toBe(f.image);
    // And through Wharf's gateway: the manifest GET answers the same bytes.
    const pull = await h.call(`/v2/${to}/manifests/1.0`, { token: await h.tokenFor(f.maintainer.username, to, "pull"), headers: { accept: "application/vnd.oci.image.manifest.v1+json" } });
    expect(pull.status).toBe(200);
    expect(digestOf(new Uint8Array(await pull.arrayBuffer()))).toBe(f.image);

    const artifact = await db.artifact.findFirstOrThrow({ where: { repository: { name: to }, digest: f.image }, include: { tags: true, repository: true } });
    expect(artifact.tags.map((t) => t.name)).toEqual(["1.0"]);
    expect(artifact).toMatchObject({ architecture: "arm64", author: "Wharf Tests <t@example.com>" });
    expect(artifact.totalSize > 0n).toBe(true);
    expect(artifact.repository.artifactCount).toBe(1);
    expect(await copyRows(to)).toEqual([
      { resourceName: `${to}:1.0`, result: "success", projectId: artifact.repository.projectId, detail: expect.objectContaining({ from: `${f.src}/app:1.0`, to: `${to}:1.0`, digest: f.image, blobsStreamed: 0 }) },
    ]);
    // Nothing pushed counts as a push: the copy is its own audit action.
    expect(await db.auditEvent.count({ where: { action: "artifact.push", resourceName: { startsWith: to } } })).toBe(0);
  });

  it("copies a multi-arch index by digest: children first, digests unchanged, index lists children and platforms", async () => {
    const auth = basic(f.maintainer.username);
    const res = await copy(auth, "multi-copy", `${f.src}/multi@${f.index.digest}`);
    expect(res.status).toBe(201);
    const to = `${f.dst}/multi-copy`;

    expect(await pulledDigest(`${to}@${f.index.digest}`, true)).toBe(f.index.digest);
    for (const child of f.index.children) expect((await h.backing.headManifest(to, child))?.digest).toBe(child);

    const parent = await db.artifact.findFirstOrThrow({
      where: { repository: { name: to }, digest: f.index.digest },
      include: { tags: true, children: { orderBy: { position: "asc" }, include: { child: true } } },
    });
    expect(parent.mediaType).toBe(OCI_IMAGE_INDEX);
    // By digest: untagged, as Harbor.
    expect(parent.tags).toEqual([]);
    expect(parent.children.map((c) => [c.childDigest, c.os, c.architecture, c.variant, c.child?.architecture])).toEqual([
      [f.index.children[0], "linux", "amd64", null, "amd64"],
      [f.index.children[1], "linux", "arm64", "v8", "arm64"],
    ]);
    expect(await db.repository.findUniqueOrThrow({ where: { name: to } })).toMatchObject({ artifactCount: 1 });
    const rows = await copyRows(to);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.detail).toMatchObject({ from: `${f.src}/multi@${f.index.digest}`, digest: f.index.digest, manifests: 3 });
  });

  it("a tag that already exists in the destination moves to the copy (a copy is a push); copying within a repository re-tags", async () => {
    const actor = actorFor(f.maintainer);
    const to = `${f.dst}/moving`;
    expect((await copy(basic(f.maintainer.username), "moving", `${f.src}/multi:2.0`)).status).toBe(201);
    // The console's Copy form names the tag: the image copied as 2.0 takes the tag from the index.
    await copyArtifact({ actor, from: { repository: `${f.src}/app`, reference: "1.0" }, to, tag: "2.0" });
    // Within one repository: a second tag on the same digest.
    await copyArtifact({ actor, from: { repository: to, reference: "2.0" }, to, tag: "again" });
    const tags = await db.tag.findMany({ where: { repository: { name: to } }, select: { name: true, artifact: { select: { digest: true } } }, orderBy: { name: "asc" } });
    expect(tags).toEqual([
      { name: "2.0", artifact: { digest: f.image } },
      { name: "again", artifact: { digest: f.image } },
    ]);
    expect((await h.backing.headManifest(to, "2.0"))?.digest).toBe(f.image);
    expect((await h.backing.headManifest(to, "again"))?.digest).toBe(f.image);
    // The index stays, untagged, under its digest.
    expect((await h.backing.headManifest(to, f.index.digest))?.digest).toBe(f.index.digest);
    expect(await copyRows(to)).toHaveLength(3);
  });

  it("a Guest in the destination is refused 403 and nothing is written", async () => {
    const to = `${f.dst}/guest-copy`;
    const res = await copy(f.guest, "guest-copy", `${f.src}/app:1.0`);
    expect(res.status).toBe(403);
    expect(await db.repository.count({ where: { name: to } })).toBe(0);
    expect(await h.backing.headManifest(to, "1.0")).toBeNull();
    // The only row is the refusal, under the copy's own operation, with the permission it lacked.
    expect(await copyRows(to)).toEqual([
      { resourceName: `${to}:1.0`, result: "failure", projectId: expect.any(Number), detail: { permission: "artifact:create" } },
    ]);
  });

  it("a non-member of a private source project gets 404, and nothing is written", async () => {
    const to = `${f.dst}/stolen`;
    const res = await copy(f.outsider, "stolen", `${f.src}/app:1.0`);
    expect(res.status).toBe(404);
    expect((await errorOf(res)).message).toBe("Project not found.");
    expect(await db.repository.count({ where: { name: to } })).toBe(0);
    expect(await h.backing.headManifest(to, "1.0")).toBeNull();
  });

  it("a bad `from` is a 400 naming the field; a missing source is a 404; neither writes anything", async () => {
    const auth = basic(f.maintainer.username);
    for (const from of [null, "", "nonsense", `${f.src}/app`, "app:1.0", `${f.src}/app@sha256:xyz`, `${f.src}/app:bad tag`, `${f.src}/App:1.0`]) {
      const res = await copy(auth, "bad", from);
      expect(res.status, String(from)).toBe(400);
      expect((await errorOf(res)).message, String(from)).toMatch(/^from: /);
    }
    const badName = await copy(auth, "Bad_Name", `${f.src}/app:1.0`);
    expect(badName.status).toBe(400);
    for (const from of [`${f.src}/app:nope`, `${f.src}/app@sha256:${"0".repeat(64)}`, `${f.src}/nothing:1.0`]) {
      const res = await copy(auth, "bad", from);
      expect(res.status, from).toBe(404);
    }
    expect(await db.repository.count({ where: { name: `${f.dst}/bad` } })).toBe(0);
    expect(await copyRows(`${f.dst}/bad`)).toEqual([]);
  });

  it("carries the accessories along: a cosign signature (by its tag) and an OCI referrer SBOM (by its subject), indexed under the copy", async () => {
    const actor = actorFor(f.maintainer);
    const from = `${f.src}/signed`;
    const to = `${f.dst}/signed-copy`;
    const token = await h.tokenFor(f.maintainer.username, from);
    const { image } = await h.pushImage(token, from, ["1.0"]);
    const subject = { mediaType: OCI_IMAGE_MANIFEST, digest: image.manifestDigest, size: image.manifestSize };
    const sigTag = `sha256-${image.manifestDigest.slice("sha256:".length)}.sig`;
    const sigDir = path.join(h.tmp, "accessory-sig");
    const sig = await writeOciAccessoryLayout(sigDir, {
      tag: "sig",
      config: "cosign",
      layer: { mediaType: "application/vnd.dev.cosign.simplesigning.v1+json", content: JSON.stringify({ critical: { image: { "docker-manifest-digest": image.manifestDigest } } }) },
    });
    await h.stage(sig.ref, from, sig.manifestDigest);
    await h.putManifest(token, from, sigTag, await h.blobBytes(sigDir, sig.manifestDigest), OCI_IMAGE_MANIFEST);
    const sbomDir = path.join(h.tmp, "accessory-sbom");
    const sbom = await writeOciAccessoryLayout(sbomDir, {
      tag: "sbom",
      config: "empty",
      artifactType: "application/spdx+json",
      subject,
      layer: { mediaType: "application/spdx+json", content: JSON.stringify({ spdxVersion: "SPDX-2.3" }) },
    });
    await h.stage(sbom.ref, from, sbom.manifestDigest);
    await h.putManifest(token, from, "sbom-1", await h.blobBytes(sbomDir, sbom.manifestDigest), OCI_IMAGE_MANIFEST);

    const copied = await copyArtifact({ actor, from: { repository: from, reference: "1.0" }, to, tag: "1.0" });
    expect(copied.accessories).toEqual([
      { digest: sig.manifestDigest, tag: sigTag },
      { digest: sbom.manifestDigest, tag: null },
    ]);
    // In the registry: the signature under its cosign tag, the SBOM by digest.
    expect((await h.backing.headManifest(to, sigTag))?.digest).toBe(sig.manifestDigest);
    expect((await h.backing.headManifest(to, sbom.manifestDigest))?.digest).toBe(sbom.manifestDigest);
    // In the index: both linked to the copied subject, which the list shows signed and with an SBOM.
    const indexed = await db.artifact.findFirstOrThrow({
      where: { repository: { name: to }, digest: image.manifestDigest },
      select: { accessories: { select: { digest: true, accessoryType: true }, orderBy: { id: "asc" } } },
    });
    expect(indexed.accessories).toEqual([
      { digest: sig.manifestDigest, accessoryType: "signature" },
      { digest: sbom.manifestDigest, accessoryType: "sbom" },
    ]);
    const list = await listArtifacts({ actor, repository: to, page: 1, pageSize: 10 });
    expect(list.rows.map((r) => ({ digest: r.digest, signed: r.signed, sbom: r.sbom }))).toEqual([{ digest: image.manifestDigest, signed: true, sbom: true }]);
    // One audit row for the copy, naming what came along.
    const rows = await copyRows(to);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.detail).toMatchObject({ digest: image.manifestDigest, accessories: copied.accessories });
  }, 120_000);

  it("offers as copy targets only the projects where the viewer may create artifacts", async () => {
    const names = async (user: { id: number; username: string; isAdmin: boolean }) => (await listCopyTargetProjects({ actor: actorFor(user) })).map((p) => p.name);
    expect((await names(f.maintainer)).sort()).toEqual([f.dst, f.src].sort());
    expect(await names(f.guestUser)).toEqual([]);
    expect(await names(await createTestUser())).toEqual([]);
    expect(await names(await createTestUser({ isAdmin: true }))).toEqual(expect.arrayContaining([f.dst, f.src]));
  });
});

describe("copy engine within the backing registry", () => {
  it("streams a blob when the registry answers the mount with 202, and the copy still has the same digest", async () => {
    const repo = `${f.src}/streamed`;
    const dir = path.join(h.tmp, "streamed");
    const image = await writeOciImageLayout(dir, { tag: "s", extraBytes: 3 * 1024 * 1024 });
    await skopeoCopy(image.ref, `docker://127.0.0.1:${REGISTRY_PORT}/${repo}:s`, { destCreds: h.registryCreds() });
    const layer = image.layerDigests.at(-1)!;

    // The blob is not in `elsewhere`: the registry opens an ordinary upload session (202) instead.
    const mount = await h.backing.mountBlob(`${f.src}/fresh`, layer, `${f.src}/elsewhere`);
    expect(mount.mounted).toBe(false);
    if (mount.mounted) return;
    const blob = await h.backing.getBlob(repo, layer);
    await h.backing.uploadBlob(mount.uploadUrl, layer, blob.stream);
    expect(await h.backing.headBlob(`${f.src}/fresh`, layer)).toEqual({ size: blob.size });

    const copied = await copyEngine(h.backing, h.backing, { srcRepository: repo, dstRepository: `${f.src}/mounted`, reference: image.manifestDigest, tag: "s" });
    expect(copied).toMatchObject({ digest: image.manifestDigest, manifests: 1, blobsStreamed: 0 });
    expect(copied.blobsMounted).toBe(1 + image.layerDigests.length);
    expect((await h.backing.headManifest(`${f.src}/mounted`, "s"))?.digest).toBe(image.manifestDigest);
  });
});

describe("calls under one artifact read the index only", () => {
  it("listing tags and checking a tag before its delete never ask the registry; build history reads only the manifest and config", async () => {
    const auth = basic(f.maintainer.username);
    const params = (reference: string) => ({ project_name_or_id: f.src, repository_name: "app", reference });
    const base = `/projects/${f.src}/repositories/app/artifacts`;
    // A spy that passes every call through: it only records which registry URLs were asked.
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const registryCalls = () => fetchSpy.mock.calls.map(([input, init]) => `${init?.method ?? "GET"} ${String(input instanceof Request ? input.url : input)}`).filter((c) => c.includes(`127.0.0.1:${REGISTRY_PORT}`));
    try {
      const tags = await call(tagsRoute.GET, apiRequest(`${base}/1.0/tags`, { auth }), params("1.0"));
      expect(tags.status).toBe(200);
      expect(tags.headers.get("x-total-count")).toBe("2");
      expect(registryCalls()).toEqual([]);

      const missing = await call(tagsRoute.GET, apiRequest(`${base}/nope/tags`, { auth }), params("nope"));
      expect(missing.status).toBe(404);
      const wrong = await call(tagRoute.DELETE, apiRequest(`${base}/1.0/tags/nope`, { method: "DELETE", auth }), { ...params("1.0"), tag_name: "nope" });
      expect(wrong.status).toBe(404);
      expect(registryCalls()).toEqual([]);

      const history = await call(buildHistoryRoute.GET, apiRequest(`${base}/1.0/additions/build_history`, { auth }), params("1.0"));
      expect(history.status).toBe(200);
      expect(((await history.json()) as unknown[]).length).toBeGreaterThan(0);
      expect(registryCalls()).toEqual([`GET http://127.0.0.1:${REGISTRY_PORT}/v2/${f.src}/app/manifests/${f.image}`, expect.stringMatching(new RegExp(`^GET .*/v2/${f.src}/app/blobs/sha256:`))]);

      const indexHistory = await call(buildHistoryRoute.GET, apiRequest(`/projects/${f.src}/repositories/multi/artifacts/2.0/additions/build_history`, { auth }), {
        project_name_or_id: f.src,
        repository_name: "multi",
        reference: "2.0",
      });
      expect(indexHistory.status).toBe(404);
    } finally {
      fetchSpy.mockRestore();
    }
  });
});
