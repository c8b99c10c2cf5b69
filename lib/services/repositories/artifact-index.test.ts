import { createHash } from "node:crypto";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";

// As in gateway.test.ts: the registry port and external URL are read once by getServerEnv().
const REGISTRY_PORT = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryPort("artifact-index-tests-secret-key-0123456789")));

import { ForbiddenError } from "@/lib/errors";
import { OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { createMember, db } from "@/lib/services/registry-auth/test-fixtures";
import { deleteTag } from "@/lib/services/repositories/delete-tag";
import { flushPullTimes } from "@/lib/services/repositories/pull-times";
import { gatewayHarness } from "@/lib/testing/gateway-harness";
import { actorFor } from "@/lib/testing/factories";
import { writeOciIndexLayout } from "@/lib/testing/oci-layout";

const EXTERNAL = "http://wharf.test:3000";
const h = gatewayHarness({ registryPort: REGISTRY_PORT, external: EXTERNAL, name: "artifact-index" });
const { call, stage, blobBytes, putManifest, setup, pushImage } = h;

function indexedTags(repository: string) {
  return db.tag.findMany({ where: { repository: { name: repository } }, select: { name: true, artifact: { select: { digest: true } } }, orderBy: { name: "asc" } });
}

// ---- tests ----

describe("manifest PUT through the gateway", () => {
  it("indexes an image: config attributes, total size, tag, counts", async () => {
    const { repository, token } = await setup();
    const { image, dir, bytes } = await pushImage(token, repository, ["1.0"]);
    const configSize = (await blobBytes(dir, image.configDigest)).length;
    const layerSizes = await Promise.all(image.layerDigests.map(async (d) => (await blobBytes(dir, d)).length));

    const artifact = await db.artifact.findFirstOrThrow({ where: { repository: { name: repository } } });
    expect(artifact).toMatchObject({
      digest: image.manifestDigest,
      mediaType: OCI_IMAGE_MANIFEST,
      artifactType: "application/vnd.oci.image.config.v1+json",
      manifestSize: bytes.length,
      totalSize: BigInt(configSize + layerSizes.reduce((a, b) => a + b, 0)),
      os: "linux",
      architecture: "arm64",
      variant: "v8",
      author: "Wharf Tests <t@example.com>",
      created: new Date("2024-01-01T00:00:00Z"),
      pulledAt: null,
      accessoryType: null,
    });
    expect(await indexedTags(repository)).toEqual([{ name: "1.0", artifact: { digest: image.manifestDigest } }]);
    expect(await db.repository.findUniqueOrThrow({ where: { name: repository } })).toMatchObject({ artifactCount: 1 });
    // Exactly one audit row for the push, as before.
    expect(await db.auditEvent.count({ where: { action: "artifact.push", resourceName: `${repository}:1.0` } })).toBe(1);
  });

  it("indexes an OCI index with its children and their platforms (children fetched from the registry)", async () => {
    const { repository, token } = await setup();
    const dir = path.join(h.tmp, "multi");
    const index = await writeOciIndexLayout(dir, {
      tag: "multi",
      platforms: [
        { os: "linux", architecture: "amd64" },
        { os: "linux", architecture: "arm64", variant: "v8" },
      ],
    });
    await stage(index.ref, repository, index.indexDigest);
    await putManifest(token, repository, "2.0", await blobBytes(dir, index.indexDigest), OCI_IMAGE_INDEX);

    const parent = await db.artifact.findFirstOrThrow({
      where: { repository: { name: repository }, digest: index.indexDigest },
      include: { children: { orderBy: { position: "asc" }, include: { child: true } } },
    });
    expect(parent.mediaType).toBe(OCI_IMAGE_INDEX);
    expect(parent.children.map((c) => [c.childDigest, c.os, c.architecture, c.variant, c.child?.architecture])).toEqual([
      [index.childDigests[0], "linux", "amd64", null, "amd64"],
      [index.childDigests[1], "linux", "arm64", "v8", "arm64"],
    ]);
    const childTotals = parent.children.map((c) => c.child?.totalSize ?? 0n);
    expect(childTotals.every((t) => t > 0n)).toBe(true);
    expect(parent.totalSize).toBe(childTotals.reduce((a, b) => a + b, 0n));
    expect(await indexedTags(repository)).toEqual([{ name: "2.0", artifact: { digest: index.indexDigest } }]);
    // Children are shown under their index, not counted as artifacts of their own.
    expect(await db.repository.findUniqueOrThrow({ where: { name: repository } })).toMatchObject({ artifactCount: 1 });
  });

  it("records a cosign-style sha256-<hex>.sig tag as an accessory of its subject", async () => {
    const { repository, token } = await setup();
    const { image, dir } = await pushImage(token, repository, ["1.0"]);
    const config = await blobBytes(dir, image.configDigest);
    const signature = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_IMAGE_MANIFEST,
        config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: image.configDigest, size: config.length },
        layers: [],
        annotations: { "dev.cosignproject.cosign/signature": "MEUCIQ" },
      }),
    );
    const sigTag = `sha256-${image.manifestDigest.slice("sha256:".length)}.sig`;
    await putManifest(token, repository, sigTag, signature, OCI_IMAGE_MANIFEST);

    const subject = await db.artifact.findFirstOrThrow({ where: { repository: { name: repository }, digest: image.manifestDigest } });
    const accessory = await db.artifact.findFirstOrThrow({ where: { repository: { name: repository }, subjectDigest: image.manifestDigest } });
    expect(accessory).toMatchObject({ accessoryType: "signature", subjectArtifactId: subject.id });
    // Not an ordinary artifact of the repository: the count stays at the subject alone.
    expect(await db.repository.findUniqueOrThrow({ where: { name: repository } })).toMatchObject({ artifactCount: 1 });
    expect(await db.artifact.count({ where: { repository: { name: repository }, accessoryType: null } })).toBe(1);
  });

  it("records an OCI referrer (subject field) pushed by digest as an accessory, typed by its artifactType", async () => {
    const { repository, token } = await setup();
    const { image, dir } = await pushImage(token, repository, ["1.0"]);
    const config = await blobBytes(dir, image.configDigest);
    const sbom = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_IMAGE_MANIFEST,
        artifactType: "application/spdx+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: image.configDigest, size: config.length },
        layers: [],
        subject: { mediaType: OCI_IMAGE_MANIFEST, digest: image.manifestDigest, size: image.manifestSize },
      }),
    );
    const digest = `sha256:${createHash("sha256").update(sbom).digest("hex")}`;
    await putManifest(token, repository, digest, sbom, OCI_IMAGE_MANIFEST);

    const subject = await db.artifact.findFirstOrThrow({ where: { repository: { name: repository }, digest: image.manifestDigest } });
    expect(await db.artifact.findFirstOrThrow({ where: { repository: { name: repository }, digest } })).toMatchObject({
      accessoryType: "sbom",
      artifactType: "application/spdx+json",
      subjectDigest: image.manifestDigest,
      subjectArtifactId: subject.id,
    });
    expect(await indexedTags(repository)).toEqual([{ name: "1.0", artifact: { digest: image.manifestDigest } }]);
  });
});

describe("deleteTag (the untag trick)", () => {
  it("deletes one of two tags on a digest; the other still resolves in the registry and the index", async () => {
    const { project, maintainer, repository, token } = await setup();
    const { image } = await pushImage(token, repository, ["1.0", "stable"]);
    expect((await indexedTags(repository)).map((t) => t.name)).toEqual(["1.0", "stable"]);

    await deleteTag({ actor: actorFor(maintainer), repository, tag: "1.0" });

    expect(await h.backing.headManifest(repository, "1.0")).toBeNull();
    expect((await h.backing.headManifest(repository, "stable"))?.digest).toBe(image.manifestDigest);
    expect(await h.backing.listTags(repository)).toEqual(["stable"]);
    expect(await indexedTags(repository)).toEqual([{ name: "stable", artifact: { digest: image.manifestDigest } }]);
    expect(await db.artifact.count({ where: { repository: { name: repository } } })).toBe(1);
    const audit = await db.auditEvent.findMany({ where: { action: "tag.delete", projectId: project.id } });
    expect(audit.map((a) => [a.resourceName, a.result, a.actorName])).toEqual([[`${repository}:1.0`, "success", maintainer.username]]);
  });

  it("refuses a Guest: ForbiddenError and nothing changes", async () => {
    const { project, repository, token } = await setup();
    const guest = await createMember(project.id, 3);
    const { image } = await pushImage(token, repository, ["1.0"]);

    await expect(deleteTag({ actor: actorFor(guest), repository, tag: "1.0" })).rejects.toBeInstanceOf(ForbiddenError);

    expect((await h.backing.headManifest(repository, "1.0"))?.digest).toBe(image.manifestDigest);
    expect(await indexedTags(repository)).toEqual([{ name: "1.0", artifact: { digest: image.manifestDigest } }]);
    expect(await db.auditEvent.count({ where: { action: "tag.delete", projectId: project.id, result: "success" } })).toBe(0);
  });
});

describe("manifest DELETE and GET through the gateway", () => {
  it("DELETE removes the artifact and all its tags from the index", async () => {
    const { repository, token } = await setup();
    const { image } = await pushImage(token, repository, ["1.0", "latest"]);
    const res = await call(`/v2/${repository}/manifests/${image.manifestDigest}`, { method: "DELETE", token });
    expect(res.status).toBe(202);
    expect(await db.artifact.count({ where: { repository: { name: repository } } })).toBe(0);
    expect(await indexedTags(repository)).toEqual([]);
    expect(await db.repository.findUniqueOrThrow({ where: { name: repository } })).toMatchObject({ artifactCount: 0 });
  });

  it("GET records pull times in a batch, written on flush", async () => {
    const { repository, token } = await setup();
    await pushImage(token, repository, ["1.0"]);
    await flushPullTimes();
    for (let i = 0; i < 3; i++) {
      const got = await call(`/v2/${repository}/manifests/1.0`, { token, headers: { accept: OCI_IMAGE_MANIFEST } });
      expect(got.status).toBe(200);
      await got.arrayBuffer();
    }
    // Nothing written per request...
    expect((await db.artifact.findFirstOrThrow({ where: { repository: { name: repository } } })).pulledAt).toBeNull();
    expect((await db.repository.findUniqueOrThrow({ where: { name: repository } })).pullCount).toBe(0n);
    await flushPullTimes();
    // ...and all of it in one flush.
    const artifact = await db.artifact.findFirstOrThrow({ where: { repository: { name: repository } } });
    expect(artifact.pulledAt).toBeInstanceOf(Date);
    expect((await db.tag.findFirstOrThrow({ where: { artifactId: artifact.id, name: "1.0" } })).pulledAt).toEqual(artifact.pulledAt);
    expect((await db.repository.findUniqueOrThrow({ where: { name: repository } })).pullCount).toBe(3n);
  });
});
