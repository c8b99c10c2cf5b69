import { describe, expect, it } from "vitest";
import {
  decodeJson,
  isNonDistributable,
  type Manifest,
  parseImageConfig,
  parseManifest,
  parseManifestBytes,
  walkDescriptors,
} from "@/lib/oci/manifest";
import {
  DOCKER_CONTAINER_CONFIG,
  DOCKER_LAYER_GZIP,
  DOCKER_MANIFEST_LIST,
  DOCKER_MANIFEST_V2,
  OCI_IMAGE_CONFIG,
  OCI_IMAGE_INDEX,
  OCI_IMAGE_LAYER_GZIP,
  OCI_IMAGE_MANIFEST,
} from "@/lib/oci/media-types";

const d = (c: string) => `sha256:${c.repeat(64)}`;
const bytes = (value: unknown) => new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));

const ociImage = {
  schemaVersion: 2,
  mediaType: OCI_IMAGE_MANIFEST,
  config: { mediaType: OCI_IMAGE_CONFIG, digest: d("c"), size: 10 },
  layers: [
    { mediaType: OCI_IMAGE_LAYER_GZIP, digest: d("1"), size: 100 },
    { mediaType: OCI_IMAGE_LAYER_GZIP, digest: d("2"), size: 200 },
  ],
  annotations: { "org.opencontainers.image.title": "app" },
};
const dockerImage = {
  schemaVersion: 2,
  mediaType: DOCKER_MANIFEST_V2,
  config: { mediaType: DOCKER_CONTAINER_CONFIG, digest: d("c"), size: 10 },
  layers: [{ mediaType: DOCKER_LAYER_GZIP, digest: d("1"), size: 100 }],
};
const index = (mediaType: string) => ({
  schemaVersion: 2,
  mediaType,
  manifests: [
    { mediaType: OCI_IMAGE_MANIFEST, digest: d("a"), size: 500, platform: { os: "linux", architecture: "amd64" } },
    { mediaType: OCI_IMAGE_MANIFEST, digest: d("b"), size: 501, platform: { os: "linux", architecture: "arm64", variant: "v8", "os.version": "x" } },
  ],
});
const referrer = {
  schemaVersion: 2,
  mediaType: OCI_IMAGE_MANIFEST,
  artifactType: "application/vnd.dev.cosign.artifact.sig.v1+json",
  config: { mediaType: "application/vnd.oci.empty.v1+json", digest: d("e"), size: 2 },
  layers: [{ mediaType: "application/vnd.dev.cosign.simplesigning.v1+json", digest: d("5"), size: 300 }],
  subject: { mediaType: OCI_IMAGE_MANIFEST, digest: d("f"), size: 700 },
};

function parsed(json: unknown, mediaType: string): Manifest {
  const result = parseManifest(json, mediaType);
  if (!result.ok) throw new Error(result.problem.message);
  return result.manifest;
}

describe("parseManifest", () => {
  it("parses an OCI image manifest", () => {
    const m = parsed(ociImage, OCI_IMAGE_MANIFEST);
    expect(m).toMatchObject({ kind: "image", config: ociImage.config, layers: ociImage.layers, annotations: ociImage.annotations });
    expect(m.subject).toBeUndefined();
  });

  it("parses a Docker v2 schema 2 manifest", () => {
    expect(parsed(dockerImage, DOCKER_MANIFEST_V2)).toMatchObject({ kind: "image", config: dockerImage.config, layers: dockerImage.layers });
  });

  it.each([OCI_IMAGE_INDEX, DOCKER_MANIFEST_LIST])("parses an index (%s) with its children's platforms", (mediaType) => {
    const m = parsed(index(mediaType), mediaType);
    expect(m.kind).toBe("index");
    expect(m.kind === "index" && m.manifests.map((c) => [c.digest, c.platform])).toEqual([
      [d("a"), { os: "linux", architecture: "amd64" }],
      [d("b"), { os: "linux", architecture: "arm64", variant: "v8", "os.version": "x" }],
    ]);
  });

  it("parses a referrer's subject and artifact type", () => {
    expect(parsed(referrer, OCI_IMAGE_MANIFEST)).toMatchObject({ artifactType: referrer.artifactType, subject: referrer.subject });
  });

  it("decides by the media type, and by the shape only for a type that is not a manifest type", () => {
    const bare = { schemaVersion: 2, manifests: [] };
    expect(parsed(bare, "application/json").kind).toBe("index");
    expect(parsed({ ...ociImage, mediaType: undefined }, "application/json").kind).toBe("image");
    expect(parseManifest(bare, OCI_IMAGE_MANIFEST)).toMatchObject({ ok: false, problem: { code: "outline" } });
  });

  it("drops malformed fields that are only shown (subject, annotations, artifact type, platform)", () => {
    const m = parsed({ ...referrer, subject: { digest: "nope" }, annotations: { a: 1 }, artifactType: 7 }, OCI_IMAGE_MANIFEST);
    expect([m.subject, m.annotations, m.artifactType]).toEqual([undefined, undefined, undefined]);
    const i = parsed({ ...index(OCI_IMAGE_INDEX), manifests: [{ digest: d("a"), size: 1, platform: { os: 5 } }] }, OCI_IMAGE_INDEX);
    expect(i.kind === "index" && i.manifests[0]?.platform).toBeUndefined();
  });

  it.each([
    ["an array", [], OCI_IMAGE_MANIFEST, "not-object", /JSON object/],
    ["null", null, OCI_IMAGE_MANIFEST, "not-object", /JSON object/],
    ["schema 1", { ...ociImage, schemaVersion: 1 }, OCI_IMAGE_MANIFEST, "schema-version", /schemaVersion 2/],
    ["another mediaType field", ociImage, DOCKER_MANIFEST_V2, "media-type-mismatch", /says mediaType "application\/vnd.oci.image.manifest.v1\+json" but was sent as/],
    ["an index without manifests", { schemaVersion: 2 }, OCI_IMAGE_INDEX, "outline", /list its manifests/],
    ["an image without layers", { schemaVersion: 2, config: ociImage.config }, OCI_IMAGE_MANIFEST, "outline", /config and a list of layers/],
    ["an image with a string config", { schemaVersion: 2, config: "x", layers: [] }, OCI_IMAGE_MANIFEST, "outline", /config and a list of layers/],
    ["a layer with a bad digest", { ...ociImage, layers: [{ digest: "sha256:zz", size: 1 }] }, OCI_IMAGE_MANIFEST, "descriptor", /invalid digest "sha256:zz"/],
    ["a config without a digest", { ...ociImage, config: { size: 1 } }, OCI_IMAGE_MANIFEST, "descriptor", /invalid digest undefined/],
    ["a negative size", { ...ociImage, layers: [{ digest: d("1"), size: -1 }] }, OCI_IMAGE_MANIFEST, "descriptor", /invalid layers\[0\]\.size/],
    ["a fractional size", { ...ociImage, config: { digest: d("1"), size: 1.5 } }, OCI_IMAGE_MANIFEST, "descriptor", /invalid config\.size/],
    ["a child that is not an object", { schemaVersion: 2, manifests: ["x"] }, OCI_IMAGE_INDEX, "descriptor", /invalid manifests\[0\]/],
    ["a media type over 255 characters", { ...ociImage, config: { ...ociImage.config, mediaType: "a".repeat(256) } }, OCI_IMAGE_MANIFEST, "descriptor", /config\.mediaType/],
  ])("refuses %s", (_what, json, mediaType, code, message) => {
    const result = parseManifest(json, mediaType);
    expect(result).toMatchObject({ ok: false, problem: { code } });
    expect(!result.ok && result.problem.message).toMatch(message);
  });
});

describe("parseManifestBytes", () => {
  it("parses UTF-8 JSON bytes", () => {
    expect(parseManifestBytes(bytes(ociImage), OCI_IMAGE_MANIFEST)).toMatchObject({ ok: true, manifest: { kind: "image" } });
  });

  it.each([
    ["not JSON", bytes("{not json")],
    ["not UTF-8", new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x7d])],
    ["empty", new Uint8Array()],
  ])("refuses bytes that are %s", (_what, body) => {
    expect(parseManifestBytes(body, OCI_IMAGE_MANIFEST)).toEqual({ ok: false, problem: { code: "not-json", message: "The manifest is not valid JSON." } });
  });

  it("decodes JSON leniently on request (configs are not checked by the registry)", () => {
    const invalidUtf8InString = new Uint8Array([0x22, 0xff, 0x22]);
    expect(decodeJson(invalidUtf8InString)).toBeUndefined();
    expect(decodeJson(invalidUtf8InString, { fatal: false })).toBe("\uFFFD");
  });
});

describe("parseImageConfig", () => {
  it("reads the shown attributes and the history, dropping wrong types", () => {
    const config = parseImageConfig(
      bytes({
        os: "linux",
        architecture: 64,
        variant: "x".repeat(65),
        created: "2026-01-02T03:04:05Z",
        author: "me",
        history: [{ created_by: "RUN x", empty_layer: true, comment: 5 }],
        rootfs: { type: "layers" },
      }),
    );
    expect(config).toEqual({
      os: "linux",
      architecture: undefined,
      variant: undefined,
      created: "2026-01-02T03:04:05Z",
      author: "me",
      history: [{ created: undefined, created_by: "RUN x", comment: undefined, empty_layer: true }],
    });
    expect(parseImageConfig(bytes({ history: "x" }))?.history).toBeUndefined();
  });

  it("is null for anything but a JSON object", () => {
    for (const body of [bytes("nope"), bytes([]), bytes("null"), bytes("3")]) expect(parseImageConfig(body)).toBeNull();
  });
});

describe("walkDescriptors", () => {
  it("walks an image: config, then layers in order", () => {
    expect(walkDescriptors(parsed(ociImage, OCI_IMAGE_MANIFEST)).map((w) => [w.role, w.position, w.descriptor.digest])).toEqual([
      ["config", 0, d("c")],
      ["layer", 0, d("1")],
      ["layer", 1, d("2")],
    ]);
  });

  it("walks an index's children with their platforms", () => {
    const walked = walkDescriptors(parsed(index(OCI_IMAGE_INDEX), OCI_IMAGE_INDEX));
    expect(walked.map((w) => [w.role, w.position, w.descriptor.digest])).toEqual([
      ["manifest", 0, d("a")],
      ["manifest", 1, d("b")],
    ]);
    expect(walked[1]?.descriptor).toMatchObject({ platform: { architecture: "arm64" } });
  });

  it("ends with the subject of a referrer (image or index)", () => {
    expect(walkDescriptors(parsed(referrer, OCI_IMAGE_MANIFEST)).map((w) => w.role)).toEqual(["config", "layer", "subject"]);
    const indexReferrer = { ...index(OCI_IMAGE_INDEX), subject: referrer.subject };
    expect(walkDescriptors(parsed(indexReferrer, OCI_IMAGE_INDEX)).at(-1)).toEqual({ role: "subject", position: 0, descriptor: referrer.subject });
  });

  it("tells non-distributable layers (with URLs) from ordinary ones", () => {
    const foreign = { mediaType: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", digest: d("9"), size: 1, urls: ["https://example.com/x"] };
    expect(isNonDistributable(foreign)).toBe(true);
    expect(isNonDistributable({ ...foreign, urls: undefined })).toBe(false);
    expect(isNonDistributable({ ...foreign, mediaType: OCI_IMAGE_LAYER_GZIP })).toBe(false);
  });
});
