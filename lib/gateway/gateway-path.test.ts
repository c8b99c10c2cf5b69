import { describe, expect, it } from "vitest";
import { parseGatewayRequest } from "@/lib/gateway/gateway-path";
import { checkManifest, MANIFEST_MAX_BYTES, readManifestBody } from "@/lib/gateway/manifest-body";
import { digestOf } from "@/lib/registry/client";
import { actionsFor } from "@/lib/services/registry-auth/registry-target";
import { DOCKER_MANIFEST_V2, OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";

const DIGEST = `sha256:${"a".repeat(64)}`;

/** The raw path as sent, not WHATWG-normalized (new URL would resolve "..", "%2e" and "\\"). */
function parse(method: string, path: string) {
  const [pathname = "", search = ""] = path.split("?");
  return parseGatewayRequest(method, pathname, new URLSearchParams(search));
}

describe("parseGatewayRequest", () => {
  it.each([
    ["GET", "/v2/", { kind: "ping" }, "/v2/"],
    ["GET", "/v2", { kind: "ping" }, "/v2/"],
    ["GET", "/v2/_catalog", { kind: "catalog" }, "/v2/_catalog"],
    ["GET", "/v2/lib/app/tags/list", { kind: "tags", name: "lib/app" }, "/v2/lib/app/tags/list"],
    ["HEAD", "/v2/lib/a/b/manifests/1.0", { kind: "manifest", name: "lib/a/b", reference: "1.0" }, "/v2/lib/a/b/manifests/1.0"],
    ["PUT", `/v2/lib/app/manifests/${DIGEST}`, { kind: "manifest", name: "lib/app", reference: DIGEST }, `/v2/lib/app/manifests/${DIGEST}`],
    ["GET", `/v2/lib/app/blobs/${DIGEST}`, { kind: "blob", name: "lib/app", digest: DIGEST }, `/v2/lib/app/blobs/${DIGEST}`],
    ["GET", `/v2/lib/a/b/referrers/${DIGEST}`, { kind: "referrers", name: "lib/a/b", digest: DIGEST }, `/v2/lib/a/b/referrers/${DIGEST}`],
    // A repository called "referrers" still has manifests, and referrers of its own.
    ["GET", "/v2/lib/referrers/manifests/1.0", { kind: "manifest", name: "lib/referrers", reference: "1.0" }, "/v2/lib/referrers/manifests/1.0"],
    ["GET", `/v2/lib/referrers/referrers/${DIGEST}`, { kind: "referrers", name: "lib/referrers", digest: DIGEST }, `/v2/lib/referrers/referrers/${DIGEST}`],
    ["POST", "/v2/lib/app/blobs/uploads/", { kind: "upload-start", name: "lib/app" }, "/v2/lib/app/blobs/uploads/"],
    ["POST", "/v2/lib/app/blobs/uploads", { kind: "upload-start", name: "lib/app" }, "/v2/lib/app/blobs/uploads/"],
    ["PATCH", "/v2/lib/app/blobs/uploads/0b6c-41_x.y=", { kind: "upload", name: "lib/app", uploadId: "0b6c-41_x.y=" }, "/v2/lib/app/blobs/uploads/0b6c-41_x.y="],
    // A repository may itself be called "manifests" or "blobs": the last route marker wins.
    ["GET", "/v2/lib/manifests/manifests/x", { kind: "manifest", name: "lib/manifests", reference: "x" }, "/v2/lib/manifests/manifests/x"],
  ])("%s %s", (method, path, route, upstreamPath) => {
    const parsed = parse(method, path);
    expect(parsed).toMatchObject({ ok: true, route, upstreamPath });
  });

  it.each([
    ["/v2/lib/../app/manifests/1", "NAME_INVALID"],
    ["/v2/lib/%2e%2e/app/manifests/1", "NAME_INVALID"],
    ["/v2/lib%2Fapp/manifests/1", "NAME_INVALID"],
    ["/v2/lib//app/manifests/1", "NAME_INVALID"],
    ["/v2/lib/./app/manifests/1", "NAME_INVALID"],
    ["/v2/Lib/App/manifests/1", "NAME_INVALID"],
    ["/v2/lib/app\\x/manifests/1", "NAME_INVALID"],
    ["/v2/app/manifests/1", "NAME_INVALID"], // no project
    [`/v2/lib/${"a".repeat(300)}/manifests/1`, "NAME_INVALID"],
    ["/v2/lib/app/manifests/sha256:abc", "DIGEST_INVALID"],
    ["/v2/lib/app/blobs/1.0", "DIGEST_INVALID"],
    ["/v2/lib/app/referrers/x", "DIGEST_INVALID"],
    [`/v2/lib/app/referrers/sha256:${"A".repeat(64)}`, "DIGEST_INVALID"],
    [`/v2/lib/app/referrers/${DIGEST}?last=1.0`, "DIGEST_INVALID"],
    [`/v2/lib/app/referrers/${DIGEST}?artifactType=a%00b`, "UNSUPPORTED"],
    [`/v2/app/referrers/${DIGEST}`, "NAME_INVALID"], // no project
    [`/v2/lib/app/blobs/uploads/?digest=md5:x`, "DIGEST_INVALID"],
    [`/v2/lib/app/blobs/uploads/?mount=nope&from=lib/other`, "DIGEST_INVALID"],
    [`/v2/lib/app/blobs/uploads/?mount=${DIGEST}&from=../x`, "NAME_INVALID"],
  ])("refuses %s with %s", (path, code) => {
    const parsed = parse(path.includes("uploads") ? "POST" : "GET", path);
    expect(parsed).toMatchObject({ ok: false, status: 400, code });
  });

  it("refuses a push to an invalid tag, and marks reads and deletes of one for a 404 after authorization", () => {
    expect(parse("PUT", "/v2/lib/app/manifests/.hidden")).toMatchObject({ ok: false, status: 400, code: "TAG_INVALID" });
    for (const method of ["GET", "HEAD", "DELETE"]) {
      expect(parse(method, "/v2/lib/app/manifests/.hidden")).toMatchObject({ ok: true, unknownReference: true, route: { kind: "manifest", reference: ".hidden" } });
    }
    expect(parse("GET", "/v2/lib/app/manifests/1.0")).toMatchObject({ ok: true, unknownReference: false });
    expect(parse("GET", `/v2/lib/app/manifests/${DIGEST}`)).toMatchObject({ ok: true, unknownReference: false });
    // Meant as a digest: still a 400, never Distribution's 500.
    expect(parse("GET", "/v2/lib/app/manifests/sha256:xyz")).toMatchObject({ ok: false, status: 400, code: "DIGEST_INVALID" });
  });

  it("answers unknown endpoints 404 and wrong methods 405", () => {
    expect(parse("GET", "/v2/lib/app/referrals/x")).toMatchObject({ ok: false, status: 404 });
    for (const method of ["HEAD", "PUT", "DELETE", "POST"]) {
      expect(parse(method, `/v2/lib/app/referrers/${DIGEST}`)).toMatchObject({ ok: false, status: 405, code: "UNSUPPORTED" });
    }
    expect(parse("GET", "/v3/lib/app/tags/list")).toMatchObject({ ok: false, status: 404 });
    expect(parse("POST", "/v2/lib/app/manifests/1")).toMatchObject({ ok: false, status: 405, code: "UNSUPPORTED" });
    expect(parse("PUT", "/v2/lib/app/tags/list")).toMatchObject({ ok: false, status: 405 });
    expect(parse("DELETE", "/v2/_catalog")).toMatchObject({ ok: false, status: 405 });
  });

  it("forwards only the query parameters a route uses", () => {
    const upload = parse("PUT", `/v2/lib/app/blobs/uploads/u1?_state=abc&digest=${DIGEST}&evil=1`);
    expect(upload.ok && Object.fromEntries(upload.query)).toEqual({ _state: "abc", digest: DIGEST });
    const manifest = parse("GET", "/v2/lib/app/manifests/1?n=5");
    expect(manifest.ok && manifest.query.toString()).toBe("");
    const referrers = parse("GET", `/v2/lib/app/referrers/${DIGEST}?artifactType=application/x&n=2&last=${DIGEST}&digest=nope&evil=1`);
    expect(referrers.ok && Object.fromEntries(referrers.query)).toEqual({ artifactType: "application/x", n: "2", last: DIGEST });
    const badN = parse("GET", `/v2/lib/app/referrers/${DIGEST}?n=lots`);
    expect(badN.ok && badN.query.toString()).toBe("");
    const catalog = parse("GET", "/v2/_catalog?n=abc&last=x");
    expect(catalog.ok && Object.fromEntries(catalog.query)).toEqual({ last: "x" });
    const mount = parse("POST", `/v2/lib/app/blobs/uploads/?mount=${DIGEST}&from=lib/base`);
    expect(mount.ok && mount.mountFrom).toEqual({ digest: DIGEST, from: "lib/base" });
  });

  it("needs pull to read, pull and push to write, delete to delete", () => {
    expect(actionsFor("GET")).toEqual(["pull"]);
    expect(actionsFor("HEAD")).toEqual(["pull"]);
    for (const method of ["POST", "PUT", "PATCH"]) expect(actionsFor(method)).toEqual(["pull", "push"]);
    expect(actionsFor("DELETE")).toEqual(["delete"]);
    for (const kind of ["manifest", "blob"] as const) expect(actionsFor("DELETE", kind)).toEqual(["delete"]);
    // Cancelling an upload session is part of the push (containers/image does it with its push token).
    expect(actionsFor("DELETE", "upload")).toEqual(["pull", "push"]);
  });
});

describe("manifest body checks", () => {
  const image = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_MANIFEST, config: { digest: DIGEST, size: 1 }, layers: [] }),
  );

  it("accepts a well-formed manifest and computes its digest", () => {
    expect(checkManifest(image, `${OCI_IMAGE_MANIFEST}; charset=utf-8`, "1.0")).toEqual({
      bytes: image,
      mediaType: OCI_IMAGE_MANIFEST,
      digest: digestOf(image),
      subject: null,
    });
    // A referrer: the subject it names is kept for the OCI-Subject header.
    const referrer = Buffer.from(JSON.stringify({ ...JSON.parse(image.toString()), subject: { mediaType: OCI_IMAGE_MANIFEST, digest: DIGEST, size: 9 } }));
    expect(checkManifest(referrer, OCI_IMAGE_MANIFEST, "1.0")).toMatchObject({ subject: DIGEST });
    const malformed = Buffer.from(JSON.stringify({ ...JSON.parse(image.toString()), subject: { digest: "sha256:nope", size: 9 } }));
    expect(checkManifest(malformed, OCI_IMAGE_MANIFEST, "1.0")).toMatchObject({ subject: null });
    expect(checkManifest(image, OCI_IMAGE_MANIFEST, digestOf(image))).toMatchObject({ digest: digestOf(image) });
  });

  it.each([
    [image, "application/json", "1.0", "MANIFEST_INVALID", /Unsupported manifest media type/],
    [image, null, "1.0", "MANIFEST_INVALID", /Unsupported manifest media type/],
    [Buffer.from("not json"), OCI_IMAGE_MANIFEST, "1.0", "MANIFEST_INVALID", /not valid JSON/],
    [Buffer.from([0xff, 0xfe]), OCI_IMAGE_MANIFEST, "1.0", "MANIFEST_INVALID", /not valid JSON/],
    [Buffer.from("[]"), OCI_IMAGE_MANIFEST, "1.0", "MANIFEST_INVALID", /JSON object/],
    [image, DOCKER_MANIFEST_V2, "1.0", "MANIFEST_INVALID", /says mediaType/],
    [image, OCI_IMAGE_INDEX, "1.0", "MANIFEST_INVALID", /says mediaType/],
    [Buffer.from(JSON.stringify({ schemaVersion: 1 })), OCI_IMAGE_MANIFEST, "1.0", "MANIFEST_INVALID", /schemaVersion 2/],
    [Buffer.from(JSON.stringify({ schemaVersion: 2 })), OCI_IMAGE_INDEX, "1.0", "MANIFEST_INVALID", /list its manifests/],
    [Buffer.from(JSON.stringify({ schemaVersion: 2 })), OCI_IMAGE_MANIFEST, "1.0", "MANIFEST_INVALID", /config and a list of layers/],
    [image, OCI_IMAGE_MANIFEST, DIGEST, "DIGEST_INVALID", /hash to/],
  ])("refuses a bad manifest (%#)", (bytes, contentType, reference, code, message) => {
    const result = checkManifest(bytes, contentType, reference);
    expect(result).toMatchObject({ status: 400, code });
    expect("message" in result && result.message).toMatch(message);
  });

  it("refuses a manifest over 4 MiB, by header or by counting the stream", async () => {
    expect(await readManifestBody(null, OCI_IMAGE_MANIFEST, String(MANIFEST_MAX_BYTES + 1), "1.0")).toMatchObject({
      status: 413,
      code: "SIZE_INVALID",
    });
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(1024 * 1024));
      },
    });
    expect(await readManifestBody(endless, OCI_IMAGE_MANIFEST, null, "1.0")).toMatchObject({ status: 413, code: "SIZE_INVALID" });
    expect(pulled).toBeLessThan(10); // stopped reading right after the limit
  });
});
