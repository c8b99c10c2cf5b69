import { describe, expect, it } from "vitest";

import { loadOsvFixtures } from "@/lib/scan/fixtures";
import { evaluateRecord, type InstalledPackage } from "@/lib/scan/osv/evaluate";
import { parseOsvRecord, type OsvRecord } from "@/lib/scan/osv/record";

function record(file: string): OsvRecord {
  const found = loadOsvFixtures().find((f) => f.file === file);
  if (!found) throw new Error(`no fixture ${file}`);
  const parsed = parseOsvRecord(found.json);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.record;
}

const pkg = (ecosystem: string, name: string, version: string): InstalledPackage => ({ ecosystem, name, version });

describe("OSV record evaluation on the real fixture records", () => {
  it("parses every fixture record, old partial shapes included", () => {
    const all = loadOsvFixtures();
    expect(all.length).toBe(48);
    for (const { file, json } of all) expect(parseOsvRecord(json).ok, file).toBe(true);
  });

  it("counts a record without an id as malformed instead of throwing", () => {
    expect(parseOsvRecord({ summary: "x" })).toMatchObject({ ok: false });
    expect(parseOsvRecord("not an object")).toMatchObject({ ok: false });
  });

  it("takes the fix of the image's own Alpine branch (v3.18 -> 1.2.4-r3, never v3.19's)", () => {
    const musl = record("osv/Alpine/ALPINE-CVE-2025-26519.json");
    expect(evaluateRecord(musl, pkg("Alpine:v3.18", "musl", "1.2.4-r0"))).toMatchObject({ affected: true, fixed: "1.2.4-r3" });
    expect(evaluateRecord(musl, pkg("Alpine:v3.18", "musl", "1.2.4-r3"))).toBeNull();
    expect(evaluateRecord(musl, pkg("Alpine:v3.19", "musl", "1.2.4-r3"))).toMatchObject({ fixed: "1.2.4_git20230717-r5" });
    expect(evaluateRecord(musl, pkg("Alpine:v3.15", "musl", "1.2.4-r0"))).toBeNull();
  });

  it("matches Debian records only on their own release", () => {
    const openssl = record("osv/Debian/DLA-3008-1.json");
    expect(evaluateRecord(openssl, pkg("Debian:9", "openssl", "1.1.0l-1~deb9u5"))).toMatchObject({ affected: true, fixed: "1.1.0l-1~deb9u6" });
    expect(evaluateRecord(openssl, pkg("Debian:9", "openssl", "1.1.0l-1~deb9u6"))).toBeNull();
    expect(evaluateRecord(openssl, pkg("Debian:12", "openssl", "1.1.0l-1~deb9u5"))).toBeNull();
  });

  it("honours the explicit versions list (tzdata, Debian:9)", () => {
    const tzdata = record("osv/Debian/DLA-3051-1.json");
    const listed = tzdata.affected?.[0]?.versions?.[0];
    expect(listed).toBeDefined();
    expect(evaluateRecord(tzdata, pkg("Debian:9", "tzdata", listed!))?.affected).toBe(true);
    expect(evaluateRecord(tzdata, pkg("Debian:12", "tzdata", "2025b-0+deb12u2"))).toBeNull();
  });

  it("skips affected entries without a package (GIT-only) without failing", () => {
    const imagemagick = record("osv/Debian/CVE-2016-10046.json");
    expect(evaluateRecord(imagemagick, pkg("Debian:12", "imagemagick", "8:6.9.6.2+dfsg-1"))).toMatchObject({ affected: true });
    expect(evaluateRecord(imagemagick, pkg("Debian:12", "imagemagick", "8:6.9.6.2+dfsg-2"))).toBeNull();
    expect(evaluateRecord(record("osv/Alpine/CVE-2018-5407.json"), pkg("Alpine:v3.18", "openssl", "3.1.0-r4"))).toBeNull();
  });

  it("evaluates npm prerelease ranges and reports the fix of the range that matched", () => {
    const traverse = record("osv/npm/GHSA-67hx-6x53-jw92.json");
    expect(evaluateRecord(traverse, pkg("npm", "@babel/traverse", "7.22.5"))).toMatchObject({ affected: true, fixed: "7.23.2" });
    expect(evaluateRecord(traverse, pkg("npm", "@babel/traverse", "8.0.0-alpha.1"))).toMatchObject({ fixed: "8.0.0-alpha.4" });
    expect(evaluateRecord(traverse, pkg("npm", "@babel/traverse", "7.23.2"))).toBeNull();
    // An open range (introduced 0, nothing closes it) affects every version and has no fix.
    expect(evaluateRecord(traverse, pkg("npm", "babel-traverse", "6.26.0"))).toMatchObject({ affected: true, fixed: null });
  });

  it("treats last_affected as inclusive", () => {
    const request = record("osv/npm/GHSA-p8p7-x288-28g6.json");
    expect(evaluateRecord(request, pkg("npm", "request", "2.88.2"))).toMatchObject({ affected: true, fixed: null, lastAffected: "2.88.2" });
    expect(evaluateRecord(request, pkg("npm", "request", "2.88.3"))).toBeNull();
  });

  it("does not match when introduced lies above the installed version (urllib3 1.24.3)", () => {
    expect(evaluateRecord(record("osv/PyPI/GHSA-q2q7-5pp4-w6pg.json"), pkg("PyPI", "urllib3", "1.24.3"))).toBeNull();
  });

  it("matches PyPI names after PEP 503 normalisation", () => {
    const jinja = loadOsvFixtures("PyPI")
      .map(({ json }) => parseOsvRecord(json))
      .flatMap((p) => (p.ok ? [p.record] : []))
      .filter((r) => r.affected?.some((a) => a.package?.name === "Jinja2"));
    expect(jinja.length).toBeGreaterThan(0);
    expect(jinja.some((r) => evaluateRecord(r, pkg("PyPI", "jinja2", "2.10")) !== null)).toBe(true);
  });

  it("reports an unparsable installed version as unevaluable, never as affected", () => {
    expect(evaluateRecord(record("osv/npm/GHSA-67hx-6x53-jw92.json"), pkg("npm", "@babel/traverse", "latest"))).toBeNull();
  });
});

describe("severity from the records' CVSS vectors", () => {
  it("computes v3 base scores with the library and falls back to the database label", async () => {
    const { recordSeverity } = await import("@/lib/scan/osv/severity");
    // ws GHSA-3h5v: CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H is 7.5 in FIRST's calculator.
    expect(recordSeverity(record("osv/npm/GHSA-3h5v-q93c-6h6q.json"))).toMatchObject({
      level: "HIGH",
      cvss: { type: "CVSS_V3", vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", score: 7.5 },
    });
    // GHSA-952p has `severity: []`: its label decides.
    const empty = record("osv/npm/GHSA-952p-6rrq-rcjv.json");
    expect(recordSeverity(empty).cvss).toBeNull();
    expect(recordSeverity(empty).level).not.toBe("UNKNOWN");
    // PYSEC records carry no severity at all.
    expect(recordSeverity(record("osv/PyPI/PYSEC-2020-43.json"))).toMatchObject({ level: "UNKNOWN", cvss: null });
  });

  it("scores every fixture vector, v4 included", async () => {
    const { recordSeverity } = await import("@/lib/scan/osv/severity");
    const all = loadOsvFixtures().flatMap(({ json }) => {
      const parsed = parseOsvRecord(json);
      return parsed.ok ? [parsed.record] : [];
    });
    const vectors = all.flatMap((r) => (r.severity ?? []).map((s) => s.score));
    const scored = all.flatMap((r) => recordSeverity(r).scores);
    expect(scored).toHaveLength(vectors.length);
    expect(scored.some((s) => s.type === "CVSS_V4")).toBe(true);
    for (const s of scored) expect(s.score).toBeGreaterThan(0);
  });
});
