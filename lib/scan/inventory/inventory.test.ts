import { readFileSync } from "node:fs";

import { pack } from "tar-stream";
import { describe, expect, it } from "vitest";

import { fixturePath, loadOsvFixtures } from "@/lib/scan/fixtures";
import { extractInventory, LayerReadError, type LayerSource } from "@/lib/scan/inventory";
import { matchInventory } from "@/lib/scan/match";
import { parseOsvRecord, type OsvRecord } from "@/lib/scan/osv/record";
import { chunked, gzipLayer, tarLayer, type LayerEntry } from "@/lib/scan/testing/layers";

const GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
const TAR = "application/vnd.oci.image.layer.v1.tar";

function fixture(path: string): string {
  return readFileSync(fixturePath("package-dbs", path), "utf8");
}

async function gzipSources(layers: LayerEntry[][]): Promise<LayerSource[]> {
  return Promise.all(
    layers.map(async (entries, i) => {
      const bytes = await gzipLayer(entries);
      return { digest: `sha256:layer${i}`, mediaType: GZIP, open: async () => chunked(bytes) };
    }),
  );
}

const records: OsvRecord[] = loadOsvFixtures().flatMap(({ json }) => {
  const parsed = parseOsvRecord(json);
  return parsed.ok ? [parsed.record] : [];
});

interface ExpectedDb {
  db: string;
  expected_findings: { id: string; package: string; installed_version: string; fixed_version?: string }[];
  expected_non_findings: { id: string; package?: string; installed_version?: string }[];
}
const expected = JSON.parse(readFileSync(fixturePath("expected.json"), "utf8")) as { databases: ExpectedDb[] };
const expectedFor = (db: string) => {
  const found = expected.databases.find((d) => d.db.startsWith(`package-dbs/${db}/`));
  if (!found) throw new Error(db);
  return found;
};

const IMAGES: Record<string, LayerEntry[]> = {
  "debian-12": [
    { path: "etc/os-release", content: fixture("debian-12/etc/os-release") },
    { path: "etc/debian_version", content: fixture("debian-12/etc/debian_version") },
    { path: "var/lib/dpkg/status", content: fixture("debian-12/var/lib/dpkg/status") },
  ],
  "alpine-3.18": [
    { path: "etc/alpine-release", content: fixture("alpine-3.18/etc/alpine-release") },
    { path: "lib/apk/db/installed", content: fixture("alpine-3.18/lib/apk/db/installed") },
  ],
  "npm-zui": [{ path: "app/package-lock.json", content: fixture("npm-zui/package-lock.json") }],
  "pypi-python-fixture": [{ path: "app/requirements.txt", content: fixture("pypi-python-fixture/requirements.txt") }],
};

describe("inventory of images built from the fixture package databases, matched against the fixture OSV records", () => {
  it.each(Object.keys(IMAGES))("%s: reports exactly expected.json's findings", async (db) => {
    const inventory = await extractInventory(await gzipSources([IMAGES[db] ?? []]));
    const findings = matchInventory(inventory.packages, records);
    const spec = expectedFor(db);
    const got = findings.map((f) => `${f.id} ${f.package} ${f.installedVersion} -> ${f.fixedVersion ?? "-"}`).sort();
    const want = spec.expected_findings
      .map((f) => `${f.id} ${f.package} ${f.installed_version} -> ${f.fixed_version ?? "-"}`)
      .sort();
    expect(got).toEqual(want);
    for (const non of spec.expected_non_findings) {
      // A non-finding naming an expected finding's record and package (ALPINE-CVE-2025-26519 for
      // other Alpine branches) forbids a wrong fixed version; the exact comparison above covers it.
      if (spec.expected_findings.some((f) => f.id === non.id && f.package === non.package)) continue;
      const hit = findings.find(
        (f) =>
          f.id === non.id &&
          (non.package === undefined || f.package === non.package) &&
          (non.installed_version === undefined || f.installedVersion === non.installed_version),
      );
      expect(hit, `${non.id} must not be reported`).toBeUndefined();
    }
    expect(inventory.warnings).toEqual([]);
  });

  it("reads the OS release and source/origin names the advisories use", async () => {
    const debian = await extractInventory(await gzipSources([IMAGES["debian-12"] ?? []]));
    expect(debian.os).toMatchObject({ id: "debian", versionId: "12", ecosystem: "Debian:12" });
    expect(debian.packages).toHaveLength(45);
    expect(debian.packages.find((p) => p.name === "bash")).toMatchObject({
      advisoryName: "bash",
      version: "5.2.15-2+b8",
      ecosystem: "Debian:12",
      layerDigest: "sha256:layer0",
    });
    expect(debian.packages.find((p) => p.name === "libssh2-1")?.advisoryName).toBe("libssh2");
    expect(debian.packages.find((p) => p.name === "bash")?.purl).toBe("pkg:deb/debian/bash@5.2.15-2%2Bb8?arch=amd64&distro=debian-12");

    const alpine = await extractInventory(await gzipSources([IMAGES["alpine-3.18"] ?? []]));
    expect(alpine.os?.ecosystem).toBe("Alpine:v3.18");
    expect(alpine.packages).toHaveLength(15);
    expect(alpine.packages.filter((p) => p.advisoryName === "openssl").map((p) => p.name).sort()).toEqual(["libcrypto3", "libssl3"]);

    const pypi = await extractInventory(await gzipSources([IMAGES["pypi-python-fixture"] ?? []]));
    expect(pypi.packages).toHaveLength(13);
  });

  it("lists the npm lockfile's installed packages once per name and version, dev flags kept", async () => {
    const npm = await extractInventory(await gzipSources([IMAGES["npm-zui"] ?? []]));
    const lock = JSON.parse(fixture("npm-zui/package-lock.json")) as { packages: Record<string, { version?: string }> };
    const distinct = new Set(
      Object.entries(lock.packages)
        .filter(([key, v]) => key.includes("node_modules/") && v.version)
        .map(([key, v]) => `${key.slice(key.lastIndexOf("node_modules/") + 13)}@${v.version}`),
    );
    expect(npm.packages).toHaveLength(distinct.size);
    expect(npm.packages.filter((p) => p.name === "semver").map((p) => p.version).sort()).toEqual(["6.3.0", "7.5.3"]);
    expect(npm.packages.find((p) => p.name === "@babel/traverse")?.purl).toBe("pkg:npm/%40babel/traverse@7.22.5");
  });
});

describe("layers as streams", () => {
  const status = fixture("debian-12/var/lib/dpkg/status");
  const osRelease = fixture("debian-12/etc/os-release");

  it("honours whiteouts: a package database deleted in a later layer is gone", async () => {
    const inventory = await extractInventory(
      await gzipSources([
        [
          { path: "etc/os-release", content: osRelease },
          { path: "var/lib/dpkg/status", content: status },
        ],
        [{ path: "var/lib/dpkg/.wh.status", content: "" }],
      ]),
    );
    expect(inventory.packages).toEqual([]);
  });

  it("honours opaque directories, keeping the opaque layer's own files", async () => {
    const inventory = await extractInventory(
      await gzipSources([
        [
          { path: "app/node_modules/left-pad/package.json", content: '{"name":"left-pad","version":"1.3.0"}' },
          { path: "srv/node_modules/qs/package.json", content: '{"name":"qs","version":"6.11.0"}' },
        ],
        [
          { path: "app/node_modules/ws/package.json", content: '{"name":"ws","version":"7.5.9"}' },
          { path: "app/node_modules/.wh..wh..opq", content: "" },
        ],
      ]),
    );
    expect(inventory.packages.map((p) => `${p.name}@${p.version} ${p.layerDigest}`).sort()).toEqual([
      "qs@6.11.0 sha256:layer0",
      "ws@7.5.9 sha256:layer1",
    ]);
  });

  it("reads uncompressed tar layers and records a later layer's replacement of a database", async () => {
    const first = await tarLayer([
      { path: "./etc/os-release", content: osRelease },
      { path: "./var/lib/dpkg/status", content: status },
    ]);
    const second = await tarLayer([{ path: "var/lib/dpkg/status", type: "symlink", linkname: "/dev/null" }]);
    const inventory = await extractInventory([
      { digest: "sha256:a", mediaType: TAR, open: async () => chunked(first) },
      { digest: "sha256:b", mediaType: TAR, open: async () => chunked(second) },
    ]);
    expect(inventory.os?.ecosystem).toBe("Debian:12");
    expect(inventory.packages).toEqual([]);
  });

  it("refuses zstd layers with a clear error", async () => {
    const zstdFrame = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00, 0x00, 0x00]);
    const attempt = extractInventory([
      { digest: "sha256:z", mediaType: "application/vnd.oci.image.layer.v1.tar+zstd", open: async () => chunked(zstdFrame) },
    ]);
    await expect(attempt).rejects.toBeInstanceOf(LayerReadError);
    await expect(attempt).rejects.toThrow(/sha256:z: zstd-compressed layers are not supported/);
  });

  it("fails a truncated or corrupt gzip layer cleanly", async () => {
    const bytes = await gzipLayer([{ path: "var/lib/dpkg/status", content: status }]);
    await expect(
      extractInventory([{ digest: "sha256:t", mediaType: GZIP, open: async () => chunked(bytes.subarray(0, bytes.length / 2)) }]),
    ).rejects.toThrow(/sha256:t: the layer is truncated/);
    const corrupt = Buffer.from(bytes);
    corrupt.fill(0x41, 10, 200);
    await expect(
      extractInventory([{ digest: "sha256:c", mediaType: GZIP, open: async () => chunked(corrupt) }]),
    ).rejects.toThrow(/sha256:c: the layer is not valid gzip data/);
  });

  it("notes an unparsable manifest as a warning and keeps the rest", async () => {
    const inventory = await extractInventory(
      await gzipSources([
        [
          { path: "app/package-lock.json", content: "{ not json" },
          { path: "app/node_modules/ws/package.json", content: '{"name":"ws","version":"7.5.9"}' },
        ],
      ]),
    );
    expect(inventory.packages.map((p) => p.name)).toEqual(["ws"]);
    expect(inventory.warnings).toHaveLength(1);
    expect(inventory.warnings[0]).toMatch(/^app\/package-lock\.json: not read/);
  });

  it("streams past a 1 GiB file without holding it, and still finds the files after it", async () => {
    const GiB = 1024 * 1024 * 1024;
    const tar = pack();
    const feed = (async () => {
      const big = tar.entry({ name: "opt/blob.bin", size: GiB, mtime: new Date(0) });
      const chunk = Buffer.alloc(1024 * 1024);
      for (let written = 0; written < GiB; written += chunk.length) {
        if (!big.write(chunk)) await new Promise<void>((resolve) => big.once("drain", () => resolve()));
      }
      await new Promise<void>((resolve) => big.end(() => resolve()));
      await new Promise((resolve) => setImmediate(resolve));
      tar.entry({ name: "app/node_modules/ws/package.json" }, '{"name":"ws","version":"7.5.9"}');
      tar.finalize();
    })();
    let peakRss = process.memoryUsage().rss;
    const startRss = peakRss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
    try {
      const inventory = await extractInventory([{ digest: "sha256:big", mediaType: TAR, open: async () => tar as AsyncIterable<Uint8Array> }]);
      await feed;
      expect(inventory.packages.map((p) => p.name)).toEqual(["ws"]);
    } finally {
      clearInterval(sampler);
    }
    // Streaming keeps growth far below the file's size (a buffered read would add >= 1 GiB).
    expect(peakRss - startRss).toBeLessThan(256 * 1024 * 1024);
  }, 120_000);
});
