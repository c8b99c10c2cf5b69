import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { OCI_IMAGE_CONFIG, OCI_IMAGE_LAYER_GZIP, OCI_IMAGE_LAYER_ZSTD, OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { RegistryClient } from "@/lib/registry/client";
import type { LocalRegistry } from "@/lib/registry/local-registry";
import { fixturePath } from "@/lib/scan/fixtures";
import { extractInventory, LayerReadError } from "@/lib/scan/inventory";
import { NotAnImageError, registryLayerSources } from "@/lib/scan/inventory/registry-layers";
import { gzipLayer } from "@/lib/scan/testing/layers";
import { pushBlob, pushGeneratedIndex, startOpenRegistry } from "@/lib/testing/remote-registries";

// A real Distribution registry; the layers are the fixture package databases, read back by digest.

let tmp: string;
let registry: LocalRegistry;
let client: RegistryClient;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-scan-layers-"));
  registry = await startOpenRegistry(tmp);
  client = new RegistryClient({ baseUrl: registry.url });
}, 60_000);

afterAll(async () => {
  await registry?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function pushImage(repository: string, layers: { bytes: Uint8Array; mediaType: string }[]): Promise<string> {
  const pushed = [];
  for (const layer of layers) pushed.push({ mediaType: layer.mediaType, ...(await pushBlob(client, repository, layer.bytes)) });
  const config = new TextEncoder().encode(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] }, config: {} }));
  const configBlob = await pushBlob(client, repository, config);
  const manifest = new TextEncoder().encode(
    JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_MANIFEST, config: { mediaType: OCI_IMAGE_CONFIG, ...configBlob }, layers: pushed }),
  );
  const digest = `sha256:${createHash("sha256").update(manifest).digest("hex")}`;
  await client.putManifest(repository, digest, OCI_IMAGE_MANIFEST, manifest);
  return digest;
}

const read = (p: string) => readFile(fixturePath("package-dbs", p), "utf8");

describe("layers read from a registry by digest", () => {
  it("inventories a two-layer image: the OS layer and an application layer", async () => {
    const osLayer = await gzipLayer([
      { path: "etc/os-release", content: await read("debian-12/etc/os-release") },
      { path: "var/lib/dpkg/status", content: await read("debian-12/var/lib/dpkg/status") },
    ]);
    const appLayer = await gzipLayer([{ path: "srv/app/package-lock.json", content: await read("npm-zui/package-lock.json") }]);
    const digest = await pushImage("scan/debian-app", [
      { bytes: osLayer, mediaType: OCI_IMAGE_LAYER_GZIP },
      { bytes: appLayer, mediaType: OCI_IMAGE_LAYER_GZIP },
    ]);
    const sources = await registryLayerSources(client, "scan/debian-app", digest);
    const inventory = await extractInventory(sources);
    expect(inventory.os?.ecosystem).toBe("Debian:12");
    const [osDigest, appDigest] = sources.map((s) => s.digest);
    expect(inventory.packages.filter((p) => p.ecosystem === "Debian:12").every((p) => p.layerDigest === osDigest)).toBe(true);
    expect(inventory.packages.filter((p) => p.ecosystem === "Debian:12")).toHaveLength(45);
    expect(inventory.packages.find((p) => p.name === "ws" && p.version === "7.5.9")?.layerDigest).toBe(appDigest);
  });

  it("fails a zstd layer with a clear error naming the layer", async () => {
    const zstd = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x00, 0x01, 0x00, 0x00]);
    const digest = await pushImage("scan/zstd", [{ bytes: zstd, mediaType: OCI_IMAGE_LAYER_ZSTD }]);
    const sources = await registryLayerSources(client, "scan/zstd", digest);
    await expect(extractInventory(sources)).rejects.toBeInstanceOf(LayerReadError);
    await expect(extractInventory(sources)).rejects.toThrow(`Layer ${sources[0]?.digest}: zstd-compressed layers are not supported`);
  });

  it("refuses an index, naming the children as what to scan", async () => {
    const index = await pushGeneratedIndex(client, "scan/multi", { tag: "v1" });
    await expect(registryLayerSources(client, "scan/multi", index.digest)).rejects.toBeInstanceOf(NotAnImageError);
  });
});
