import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createHash } from "node:crypto";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { db } from "@/lib/db/client";
import { OCI_IMAGE_CONFIG, OCI_IMAGE_LAYER_GZIP, OCI_IMAGE_MANIFEST } from "@/lib/oci/media-types";
import { RegistryClient } from "@/lib/registry/client";
import type { LocalRegistry } from "@/lib/registry/local-registry";
import { fixturePath } from "@/lib/scan/fixtures";
import { OsvArchiveError, osvFolderEntries, osvZipEntries } from "@/lib/scan/osv/sources";
import { gzipLayer, type LayerEntry } from "@/lib/scan/testing/layers";
import { artifactsTouchedByImport, findingsForArtifact } from "@/lib/services/scan/findings";
import { scanArtifact } from "@/lib/services/scan/scan-artifact";
import { createVulnDbImport, currentVulnDbVersion, finishVulnDbImport, importOsvEntries } from "@/lib/services/scan/vuln-db";
import { pushBlob, startOpenRegistry } from "@/lib/testing/remote-registries";

// Real Postgres, a real Distribution registry, the real fixture package databases and OSV records.

let tmp: string;
let registry: LocalRegistry;
let client: RegistryClient;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-scan-db-"));
  registry = await startOpenRegistry(tmp);
  client = new RegistryClient({ baseUrl: registry.url });
}, 60_000);

afterAll(async () => {
  await registry?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const read = (p: string) => readFile(fixturePath("package-dbs", p), "utf8");

async function pushImage(repository: string, entries: LayerEntry[]): Promise<string> {
  const layer = { mediaType: OCI_IMAGE_LAYER_GZIP, ...(await pushBlob(client, repository, await gzipLayer(entries))) };
  const config = { mediaType: OCI_IMAGE_CONFIG, ...(await pushBlob(client, repository, new TextEncoder().encode(`{"architecture":"amd64","os":"linux","config":{}}`))) };
  const manifest = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_MANIFEST, config, layers: [layer] }));
  const digest = `sha256:${createHash("sha256").update(manifest).digest("hex")}`;
  await client.putManifest(repository, "latest", OCI_IMAGE_MANIFEST, manifest);
  return digest;
}

async function scanIntoDb(repository: string, digest: string): Promise<void> {
  await scanArtifact({ repository, digest, client });
}

interface ExpectedDb {
  db: string;
  expected_findings: { id: string; package: string; installed_version: string; fixed_version?: string; severity?: { score: string }[] }[];
  expected_non_findings: { id: string; package?: string; installed_version?: string }[];
}

const IMAGES: Record<string, () => Promise<LayerEntry[]>> = {
  "debian-12": async () => [
    { path: "etc/os-release", content: await read("debian-12/etc/os-release") },
    { path: "var/lib/dpkg/status", content: await read("debian-12/var/lib/dpkg/status") },
  ],
  "alpine-3.18": async () => [
    { path: "etc/alpine-release", content: await read("alpine-3.18/etc/alpine-release") },
    { path: "lib/apk/db/installed", content: await read("alpine-3.18/lib/apk/db/installed") },
  ],
  "npm-zui": async () => [{ path: "usr/src/app/package-lock.json", content: await read("npm-zui/package-lock.json") }],
  "pypi-python-fixture": async () => [{ path: "app/requirements.txt", content: await read("pypi-python-fixture/requirements.txt") }],
};

describe("OSV import, stored inventories and matching in Postgres", () => {
  const digests: Record<string, string> = {};
  let firstImport = 0;

  it("imports the fixture OSV folder and shows the DB version with its counts", async () => {
    firstImport = await createVulnDbImport("lib/scan/fixtures/osv");
    const counts = await importOsvEntries(firstImport, osvFolderEntries(fixturePath("osv")), { batchSize: 10 });
    await finishVulnDbImport(firstImport, { counts });
    // Other files of the run import the same fixtures (the scanner tests): whichever imports first adds them.
    expect(counts).toMatchObject({ seen: 48, changed: 0, malformed: 0 });
    expect(counts.added + counts.unchanged).toBe(48);
    expect(await db.vulnDbImport.findUniqueOrThrow({ where: { id: firstImport } })).toMatchObject({ status: "succeeded", advisoryCount: 48, recordsSeen: 48 });
    expect(await currentVulnDbVersion()).toMatchObject({ status: "succeeded", advisoryCount: 48 });
    const ws = await db.vulnAdvisory.findUniqueOrThrow({ where: { id: "GHSA-3h5v-q93c-6h6q" } });
    expect(ws).toMatchObject({ severity: "HIGH", cvssType: "CVSS_V3", cvssScore: 7.5, aliases: ["CVE-2024-37890"] });
    // CVE-2016-10046 has an affected entry with only GIT ranges: no package row for it.
    expect(await db.vulnAffectedPackage.findMany({ where: { advisoryId: "CVE-2016-10046" }, select: { ecosystem: true, name: true } })).toEqual(
      expect.arrayContaining([{ ecosystem: "Debian:12", name: "imagemagick" }]),
    );
  });

  it("counts malformed records and carries on", async () => {
    const dir = path.join(tmp, "broken");
    await mkdir(dir);
    await writeFile(path.join(dir, "a-not-json.json"), "{ this is not json");
    await writeFile(path.join(dir, "b-no-id.json"), JSON.stringify({ summary: "no id" }));
    await writeFile(path.join(dir, "c-ws.json"), await readFile(fixturePath("osv/npm/GHSA-3h5v-q93c-6h6q.json")));
    const id = await createVulnDbImport(dir);
    const counts = await importOsvEntries(id, osvFolderEntries(dir));
    await finishVulnDbImport(id, { counts });
    expect(counts).toMatchObject({ seen: 3, added: 0, unchanged: 1, malformed: 2 });
    expect(counts.malformedNames[0]).toMatch(/^a-not-json\.json: not JSON/);
    expect(counts.malformedNames[1]).toMatch(/^b-no-id\.json: id:/);
    expect(await db.vulnDbImport.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "succeeded", recordsMalformed: 2 });
  });

  it("imports an OSV zip entry by entry, and refuses a file that is not a zip with a clear error", async () => {
    const zip = path.join(tmp, "all.zip");
    execFileSync("zip", ["-q", "-j", zip, ...["GHSA-3h5v-q93c-6h6q.json", "GHSA-c2qf-rxjj-qqgw.json"].map((f) => fixturePath("osv/npm", f))]);
    const id = await createVulnDbImport("all.zip");
    expect(await importOsvEntries(id, osvZipEntries(zip))).toMatchObject({ seen: 2, unchanged: 2, malformed: 0 });
    const notZip = path.join(tmp, "not.zip");
    await writeFile(notZip, "PK but not really");
    await expect(importOsvEntries(id, osvZipEntries(notZip))).rejects.toBeInstanceOf(OsvArchiveError);
  });

  it.each(Object.keys(IMAGES))("%s: pushed, extracted, stored and matched in SQL: exactly expected.json", async (name) => {
    const repository = `scan/${name.replace(/[^a-z0-9]+/g, "-")}`;
    const digest = await pushImage(repository, await (IMAGES[name] as () => Promise<LayerEntry[]>)());
    digests[name] = digest;
    await scanIntoDb(repository, digest);
    const findings = await findingsForArtifact(digest);
    const expected = (JSON.parse(await readFile(fixturePath("expected.json"), "utf8")) as { databases: ExpectedDb[] }).databases.find((d) =>
      d.db.startsWith(`package-dbs/${name}/`),
    ) as ExpectedDb;
    expect(findings?.map((f) => `${f.id} ${f.package} ${f.installedVersion} -> ${f.fixedVersion ?? "-"}`).sort()).toEqual(
      expected.expected_findings.map((f) => `${f.id} ${f.package} ${f.installed_version} -> ${f.fixed_version ?? "-"}`).sort(),
    );
    for (const non of expected.expected_non_findings) {
      if (expected.expected_findings.some((f) => f.id === non.id && f.package === non.package)) continue;
      expect(
        findings?.find((f) => f.id === non.id && (!non.package || f.package === non.package) && (!non.installed_version || f.installedVersion === non.installed_version)),
        non.id,
      ).toBeUndefined();
    }
    // Severity and CVSS come from the stored advisory: every expected CVSS v3 vector is reported.
    for (const want of expected.expected_findings) {
      const v3 = want.severity?.find((s) => s.score.startsWith("CVSS:3"));
      const got = findings?.find((f) => f.id === want.id && f.installedVersion === want.installed_version);
      if (v3) expect(got?.cvssVector).toBe(v3.score);
      if (v3) expect(got?.cvssScore).toBeGreaterThan(0);
    }
  });

  it("after an import that changes one record, only the artifacts it touches need re-evaluation", async () => {
    const dir = path.join(tmp, "changed");
    await mkdir(dir);
    // The same real ws record re-serialised: its bytes change, its content does not.
    const ws = JSON.parse(await readFile(fixturePath("osv/npm/GHSA-3h5v-q93c-6h6q.json"), "utf8")) as unknown;
    await writeFile(path.join(dir, "GHSA-3h5v-q93c-6h6q.json"), JSON.stringify(ws, null, 1));
    const id = await createVulnDbImport(dir);
    const counts = await importOsvEntries(id, osvFolderEntries(dir));
    await finishVulnDbImport(id, { counts });
    expect(counts).toMatchObject({ seen: 1, changed: 1 });
    // Only this file's artifacts: other files of the run store inventories of the same fixtures.
    const ours = (found: string[]) => found.filter((d) => Object.values(digests).includes(d)).sort();
    expect(ours(await artifactsTouchedByImport(id))).toEqual([digests["npm-zui"]]);
    // The imports that last added or changed the fixture advisories (this file's first, or another
    // file's that came first) touch the three images with affected packages, not the Debian one.
    const owners = await db.vulnAdvisory.findMany({ where: { id: { not: "GHSA-3h5v-q93c-6h6q" } }, distinct: ["importId"], select: { importId: true } });
    const touched = new Set<string>();
    for (const { importId } of owners) for (const digest of await artifactsTouchedByImport(importId)) touched.add(digest);
    expect(ours([...touched])).toEqual([digests["alpine-3.18"], digests["npm-zui"], digests["pypi-python-fixture"]].sort());
    expect(await findingsForArtifact("sha256:" + "0".repeat(64))).toBeNull();
  });
});
