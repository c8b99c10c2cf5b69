import { createReadStream } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { createHash } from "node:crypto";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it, vi } from "vitest";

const REGISTRY_PORT = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryPort("image-archive-tests-secret-key-0123456789")));

import { NextRequest } from "next/server";
import { pack } from "tar-stream";
import * as downloadRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/download/route";
import * as importRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/import/route";
import { apiRequest, basic, call, checkAgainstDocument, errorOf, ORIGIN } from "@/lib/api/test-kit";
import { OCI_IMAGE_INDEX } from "@/lib/oci/media-types";
import { createMember, createProject, db } from "@/lib/services/registry-auth/test-fixtures";
import { gatewayHarness } from "@/lib/testing/gateway-harness";
import { skopeoCopy, writeOciIndexLayout } from "@/lib/testing/oci-layout";

const h = gatewayHarness({ registryPort: REGISTRY_PORT, external: "http://wharf.test:3000", name: "image-archive" });

type Fixture = {
  project: string;
  maintainer: string;
  guest: string;
  outsider: string;
  image: { digest: string; config: string; diffIds: string[] };
  index: { digest: string; children: { digest: string; config: string; diffIds: string[] }[] };
};
let f: Fixture;

beforeAll(async () => {
  const project = await createProject();
  const maintainer = await createMember(project.id, 4);
  const guest = await createMember(project.id, 3);
  const outsider = await createMember((await createProject()).id, 1);
  const { image } = await h.pushImage(await h.tokenFor(maintainer.username, `${project.name}/app`), `${project.name}/app`, ["1.0"]);
  const dir = path.join(h.tmp, "multi");
  const index = await writeOciIndexLayout(dir, {
    tag: "multi",
    platforms: [
      { os: "linux", architecture: "amd64" },
      { os: "linux", architecture: "arm64", variant: "v8" },
    ],
  });
  const multi = `${project.name}/multi`;
  await h.stage(index.ref, multi, index.indexDigest);
  await h.putManifest(await h.tokenFor(maintainer.username, multi), multi, "2.0", await h.blobBytes(dir, index.indexDigest), OCI_IMAGE_INDEX);
  f = {
    project: project.name,
    maintainer: basic(maintainer.username),
    guest: basic(guest.username),
    outsider: basic(outsider.username),
    image: { digest: image.manifestDigest, config: image.configDigest, diffIds: image.diffIds },
    index: { digest: index.indexDigest, children: index.children.map((c) => ({ digest: c.manifestDigest, config: c.configDigest, diffIds: c.diffIds })) },
  };
}, 180_000);

async function download(auth: string, repo: string, reference: string, query: string): Promise<Response> {
  const req = apiRequest(`/projects/${f.project}/repositories/${repo}/artifacts/${reference}/download?${query}`, { auth });
  const res = await downloadRoute.GET(req, { params: Promise.resolve({ project_name_or_id: f.project, repository_name: repo, reference }) });
  // The document check reads a clone of the body: only for answers that are small.
  await checkAgainstDocument(req, res);
  return res;
}

async function saveTo(res: Response, name: string): Promise<string> {
  const file = path.join(h.tmp, name);
  await writeFile(file, Buffer.from(await res.arrayBuffer()));
  return file;
}

/** What skopeo reads out of an archive into an OCI layout dir: the manifest digest, its config digest, the uncompressed layers' digests. */
async function loaded(src: string, name: string, all = false) {
  const dir = path.join(h.tmp, `loaded-${name}`);
  await skopeoCopy(src, `oci:${dir}:t`, { all });
  const index = JSON.parse(await readFile(path.join(dir, "index.json"), "utf8")) as { manifests: { digest: string }[] };
  const digest = index.manifests[0]!.digest;
  const blob = (d: string) => readFile(path.join(dir, "blobs", "sha256", d.slice(7)));
  const manifest = JSON.parse((await blob(digest)).toString("utf8")) as { config?: { digest: string }; layers?: { digest: string }[] };
  const diffIds: string[] = [];
  for (const layer of manifest.layers ?? []) {
    const bytes = await blob(layer.digest);
    const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
    diffIds.push(`sha256:${createHash("sha256").update(raw).digest("hex")}`);
  }
  return { digest, config: manifest.config?.digest, diffIds };
}

const run = promisify(execFile);

/** The config skopeo reads out of a docker-archive, as stored (skopeo rewrites it when converting to OCI). */
async function rawConfigDigest(file: string): Promise<string> {
  const { stdout } = await run("skopeo", ["inspect", "--config", "--raw", `docker-archive:${file}`], { encoding: "buffer", maxBuffer: 16 * 1024 * 1024 });
  return `sha256:${createHash("sha256").update(stdout).digest("hex")}`;
}

const downloads = (name: string) => db.auditEvent.findMany({ where: { action: "artifact.download", resourceName: name }, select: { result: true, detail: true } });

describe("download", () => {
  it("a docker-archive loads with skopeo's docker-archive: with the same config and layers", async () => {
    const res = await download(f.guest, "app", "1.0", "format=docker-archive");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toMatch(/attachment; filename="app-1\.0\.docker\.tar"/);
    const file = await saveTo(res, "app.docker.tar");
    expect(await rawConfigDigest(file)).toBe(f.image.config);
    const got = await loaded(`docker-archive:${file}`, "docker");
    expect(got.diffIds).toEqual(f.image.diffIds);
    const rows = await downloads(`${f.project}/app:1.0`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ result: "success", detail: { format: "docker-archive", digest: f.image.digest } });
  });

  it("an OCI layout loads with skopeo's oci-archive: under its tag with the same manifest digest", async () => {
    const file = await saveTo(await download(f.guest, "app", "1.0", "format=oci-layout"), "app.oci.tar");
    expect((await loaded(`oci-archive:${file}:1.0`, "oci")).digest).toBe(f.image.digest);
  });

  it("an index: the whole index as an OCI layout, or one platform (either format)", async () => {
    const all = await saveTo(await download(f.guest, "multi", "2.0", "format=oci-layout"), "multi.oci.tar");
    expect((await loaded(`oci-archive:${all}:2.0`, "multi-all", true)).digest).toBe(f.index.digest);

    const arm = await download(f.guest, "multi", "2.0", "format=docker-archive&platform=linux/arm64/v8");
    expect(arm.status).toBe(200);
    expect(arm.headers.get("docker-content-digest")).toBe(f.index.children[1]!.digest);
    const armFile = await saveTo(arm, "multi-arm.docker.tar");
    expect(await rawConfigDigest(armFile)).toBe(f.index.children[1]!.config);
    const got = await loaded(`docker-archive:${armFile}`, "multi-arm");
    expect(got.diffIds).toEqual(f.index.children[1]!.diffIds);

    const amd = await saveTo(await download(f.guest, "multi", "2.0", "format=oci-layout&platform=linux/amd64"), "multi-amd.oci.tar");
    expect((await loaded(`oci-archive:${amd}:2.0`, "multi-amd")).digest).toBe(f.index.children[0]!.digest);
  });

  it("refuses what it cannot make with a 400 naming why, and writes nothing", async () => {
    const before = (await downloads(`${f.project}/multi:2.0`)).length;
    const cases: [string, string, RegExp][] = [
      ["multi", "format=docker-archive", /choose a platform/],
      ["multi", "format=oci-layout&platform=linux/s390x", /no image for platform linux\/s390x.*linux\/amd64, linux\/arm64\/v8/],
      ["multi", "format=zip", /format must be one of docker-archive, oci-layout/],
      ["multi", "format=oci-layout&platform=linux", /platform must be os\/architecture/],
    ];
    for (const [repo, query, message] of cases) {
      const res = await download(f.guest, repo, "2.0", query);
      expect(res.status, query).toBe(400);
      expect((await errorOf(res)).message).toMatch(message);
    }
    expect(await downloads(`${f.project}/multi:2.0`)).toHaveLength(before);
  });

  it("needs pull: an outsider gets a 404 for the private project (a refusal row), anonymous a 401", async () => {
    const res = await download(f.outsider, "app", "1.0", "format=oci-layout");
    expect(res.status).toBe(404);
    const rows = await downloads(`${f.project}/app:1.0`);
    expect(rows.filter((r) => r.result === "failure")).toHaveLength(1);
    const anonymous = await downloadRoute.GET(apiRequest(`/projects/${f.project}/repositories/app/artifacts/1.0/download`), {
      params: Promise.resolve({ project_name_or_id: f.project, repository_name: "app", reference: "1.0" }),
    });
    expect(anonymous.status).toBe(401);
  });
});

function importRequest(auth: string, repo: string, tag: string, body: ReadableStream<Uint8Array> | Buffer) {
  const req = new NextRequest(new URL(`/api/v2.0/projects/${f.project}/repositories/${repo}/import?tag=${tag}`, ORIGIN), {
    method: "POST",
    headers: { authorization: auth, "content-type": "application/x-tar", "x-wharf-client-ip": "192.0.2.20" },
    body: body instanceof Buffer ? new Uint8Array(body) : body,
    duplex: "half",
  } as ConstructorParameters<typeof NextRequest>[1] & { duplex: "half" });
  return call(importRoute.POST, req, { project_name_or_id: f.project, repository_name: repo });
}

const fileStream = (file: string) => Readable.toWeb(createReadStream(file)) as unknown as ReadableStream<Uint8Array>;

describe("import", () => {
  it("imports a docker-archive (layers as they arrive) and the result pulls with the same config and layers", async () => {
    const file = await saveTo(await download(f.guest, "app", "1.0", "format=docker-archive"), "import-src.docker.tar");
    const res = await importRequest(f.maintainer, "imported-docker", "d1", fileStream(file));
    expect(res.status).toBe(201);
    const body = (await res.json()) as { digest: string; format: string };
    expect(body.format).toBe("docker-archive");
    const dir = path.join(h.tmp, "pulled-docker");
    await skopeoCopy(`docker://127.0.0.1:${REGISTRY_PORT}/${f.project}/imported-docker:d1`, `oci:${dir}:t`, { srcCreds: h.registryCreds() });
    const got = await loaded(`oci:${dir}:t`, "pulled-docker-2");
    expect(got.config).toBe(f.image.config);
    expect(got.diffIds).toEqual(f.image.diffIds);
    const artifact = await db.artifact.findFirst({ where: { digest: body.digest, repository: { name: `${f.project}/imported-docker` } }, select: { tags: { select: { name: true } } } });
    expect(artifact?.tags.map((t) => t.name)).toEqual(["d1"]);
    const rows = await db.auditEvent.findMany({ where: { action: "artifact.import", resourceName: `${f.project}/imported-docker:d1` }, select: { result: true } });
    expect(rows).toEqual([{ result: "success" }]);
  });

  it("imports an OCI layout of an index whole: same digest, children indexed", async () => {
    const file = await saveTo(await download(f.guest, "multi", "2.0", "format=oci-layout"), "import-src.oci.tar");
    const res = await importRequest(f.maintainer, "imported-oci", "o1", fileStream(file));
    expect(res.status).toBe(201);
    expect(((await res.json()) as { digest: string }).digest).toBe(f.index.digest);
    const dir = path.join(h.tmp, "pulled-oci");
    await skopeoCopy(`docker://127.0.0.1:${REGISTRY_PORT}/${f.project}/imported-oci:o1`, `oci:${dir}:t`, { srcCreds: h.registryCreds(), all: true });
    const index = JSON.parse(await readFile(path.join(dir, "index.json"), "utf8")) as { manifests: { digest: string }[] };
    expect(index.manifests[0]!.digest).toBe(f.index.digest);
    const children = await db.artifactReference.findMany({ where: { parent: { digest: f.index.digest, repository: { name: `${f.project}/imported-oci` } } }, select: { childId: true } });
    expect(children).toHaveLength(2);
    expect(children.every((c) => c.childId !== null)).toBe(true);
  });

  it("respects the tag policy as a push: an immutable tag is not moved by an import (412), nothing indexed", async () => {
    const project = await createProject();
    const lead = await createMember(project.id, 1);
    const selector = (pattern: string) => ({ decoration: "matches", kind: "doublestar", pattern });
    await db.immutableTagRule.create({ data: { projectId: project.id, position: 1, repositories: selector("**"), tags: selector("frozen") } });
    const send = (file: string) => {
      const req = new NextRequest(new URL(`/api/v2.0/projects/${project.name}/repositories/app/import?tag=frozen`, ORIGIN), {
        method: "POST",
        headers: { authorization: basic(lead.username), "content-type": "application/x-tar", "x-wharf-client-ip": "192.0.2.20" },
        body: fileStream(file),
        duplex: "half",
      } as ConstructorParameters<typeof NextRequest>[1] & { duplex: "half" });
      return call(importRoute.POST, req, { project_name_or_id: project.name, repository_name: "app" });
    };
    expect((await send(path.join(h.tmp, "app.oci.tar"))).status).toBe(201);
    const moved = await send(path.join(h.tmp, "multi.oci.tar"));
    expect(moved.status).toBe(412);
    const artifacts = await db.artifact.findMany({ where: { repository: { name: `${project.name}/app` } }, select: { digest: true } });
    expect(artifacts.map((a) => a.digest)).toEqual([f.image.digest]);
    const refused = await db.auditEvent.findMany({ where: { action: "artifact.import", resourceName: `${project.name}/app:frozen` }, select: { result: true } });
    expect(refused.map((r) => r.result).sort()).toEqual(["failure", "success"]);
  });

  it("refuses a tar that is not an image (422), bytes that are not a tar (422), and a caller without push (403): nothing indexed", async () => {
    const tar = pack();
    tar.entry({ name: "hello.txt" }, "not an image");
    tar.finalize();
    const chunks: Buffer[] = [];
    for await (const c of tar as unknown as AsyncIterable<Buffer>) chunks.push(c);
    const notImage = await importRequest(f.maintainer, "junk", "j1", Buffer.concat(chunks));
    expect(notImage.status).toBe(422);
    expect((await errorOf(notImage)).message).toMatch(/neither manifest\.json .* nor oci-layout and index\.json/);
    const notTar = await importRequest(f.maintainer, "junk", "j1", Buffer.from("x".repeat(2048)));
    expect(notTar.status).toBe(422);
    expect((await errorOf(notTar)).message).toMatch(/not a tar/);

    const file = path.join(h.tmp, "app.oci.tar");
    const refused = await importRequest(f.guest, "junk", "j1", fileStream(file));
    expect(refused.status).toBe(403);
    expect(await db.repository.findUnique({ where: { name: `${f.project}/junk` } })).toBeNull();
  });
});
