import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import { fixturePath, loadOsvFixtures } from "@/lib/scan/fixtures";
import { compareApk, compareDpkg, comparePypi, compareSemver, type VersionComparator } from "@/lib/scan/versions";
import { ecosystemsMatch, normalizePypiName, osEcosystem } from "@/lib/scan/versions/names";

/** Every version named by an event or `versions` entry of the fixture records of one ecosystem. */
function recordVersions(folder: string): string[] {
  const out = new Set<string>();
  for (const { json } of loadOsvFixtures(folder)) {
    const record = json as { affected?: { ranges?: { type: string; events: Record<string, string>[] }[]; versions?: string[] }[] };
    for (const affected of record.affected ?? []) {
      for (const range of affected.ranges ?? []) {
        if (range.type === "GIT") continue;
        for (const event of range.events) for (const v of Object.values(event)) if (v !== "0") out.add(v);
      }
      for (const v of affected.versions ?? []) out.add(v);
    }
  }
  return [...out];
}

function sortWith(versions: string[], compare: VersionComparator): string[] {
  return [...versions].sort((a, b) => {
    const cmp = compare(a, b);
    if (cmp === null) throw new Error(`cannot compare ${a} with ${b}`);
    return cmp;
  });
}

describe("dpkg ordering", () => {
  const installed = [...readFileSync(fixturePath("package-dbs/debian-12/var/lib/dpkg/status"), "utf8").matchAll(/^Version: (.+)$/gm)].map(
    (m) => m[1] ?? "",
  );
  const tricky = ["1.0~rc1-1", "1.0-1", "1.0", "1.0-0", "1:0.1", "1.0~~", "1.0~", "1.0+b1", "1.0a", "1.0.0", "2.0-1~deb12u1", "2.0-1"];
  const versions = [...new Set([...installed, ...recordVersions("Debian"), ...tricky])];

  it("orders the fixture's installed versions, every Debian record version and the ~/epoch cases as dpkg itself does", () => {
    expect(installed.length).toBe(45);
    const sorted = sortWith(versions, compareDpkg);
    // Our order is dpkg's order iff every adjacent pair is non-decreasing for the real dpkg.
    for (let i = 1; i < sorted.length; i++) {
      const a = sorted[i - 1] ?? "";
      const b = sorted[i] ?? "";
      const equal = compareDpkg(a, b) === 0;
      let dpkgAgrees = true;
      try {
        execFileSync("dpkg", ["--compare-versions", a, equal ? "eq" : "lt", b]);
      } catch {
        dpkgAgrees = false;
      }
      expect(dpkgAgrees, `${a} ${equal ? "=" : "<"} ${b}`).toBe(true);
    }
  });

  it("reads epochs, tilde and revisions", () => {
    expect(compareDpkg("1:1.2.13.dfsg-1", "1.2.13.dfsg-2")).toBe(1);
    expect(compareDpkg("3.0.19-1~deb12u2", "3.0.19-1")).toBe(-1);
    expect(compareDpkg("5.2.15-2+b8", "5.2.15-2")).toBe(1);
    expect(compareDpkg("1.0", "1.0-0")).toBe(0);
    expect(compareDpkg("not a version", "1.0")).toBeNull();
    expect(compareDpkg("a1.0", "1.0")).toBeNull();
  });
});

describe("apk ordering", () => {
  it.each([
    ["1.2.4-r0", "1.2.4-r3", -1],
    ["1.2.4-r3", "1.2.4_git20230717-r5", -1], // _git is a post-release suffix: 1.2.4_git > 1.2.4
    ["1.2.4_git20230717-r5", "1.2.5-r1", -1],
    ["0.9.13", "1.2.4-r0", -1],
    ["3.1.0-r4", "1.0.2q-r0", 1],
    ["1.0.2q-r0", "1.0.2p-r0", 1],
    ["1.1", "1.1_alpha1", 1],
    ["1.3_alpha2", "1.3_alpha3", -1],
    ["1.3_rc1", "1.3_p1", -1],
    ["1.0_p10-r0", "1.0_p9-r0", 1],
    ["1.3_pre1-r1", "1.3.2", -1],
    ["1.2.07.8", "1.2.12.04", -1],
    ["1.02", "1.1", -1],
    ["1.7", "1.7b", -1],
    ["4.5_p1", "4.5_p1-r1", -1],
    ["2.0.6", "2.0.6", 0],
    ["0.1.0_alpha_pre2", "0.1.0_alpha", -1],
    ["1.0.0_pre20191002222144-r0", "1.0.0_pre20210530193627-r0", -1],
  ] as const)("%s vs %s", (a, b, expected) => {
    expect(compareApk(a, b)).toBe(expected);
    expect(compareApk(b, a)).toBe(-expected || 0);
  });

  it("refuses what is not an apk version", () => {
    expect(compareApk("1.0bc", "1.0")).toBeNull();
    expect(compareApk("1.0_bogus1", "1.0")).toBeNull();
  });

  it("orders every Alpine record version and installed version without refusing any", () => {
    const installed = [...readFileSync(fixturePath("package-dbs/alpine-3.18/lib/apk/db/installed"), "utf8").matchAll(/^V:(.+)$/gm)].map(
      (m) => m[1] ?? "",
    );
    expect(installed).toHaveLength(15);
    expect(() => sortWith([...installed, ...recordVersions("Alpine")], compareApk)).not.toThrow();
  });
});

describe("npm semver ordering", () => {
  it("orders prereleases below their release and compares the fixture's boundary cases", () => {
    expect(compareSemver("8.0.0-alpha.4", "8.0.0")).toBe(-1);
    expect(compareSemver("7.22.5", "8.0.0-alpha.0")).toBe(-1);
    expect(compareSemver("4.1.3", "4.1.3")).toBe(0);
    expect(compareSemver("6.3.0", "6.3.1")).toBe(-1);
    expect(compareSemver("not-semver", "1.0.0")).toBeNull();
  });
});

describe("PEP 440 ordering", () => {
  const requirements = readFileSync(fixturePath("package-dbs/pypi-python-fixture/requirements.txt"), "utf8");
  const pinned = [...requirements.matchAll(/==\s*([^\s;#]+)/g)].map((m) => m[1] ?? "");
  const versions = [...new Set([...pinned, ...recordVersions("PyPI"), "1.0.dev1", "1.0a1", "1.0rc1", "1.0", "1.0.post1", "1!0.1", "2023.07.22"])];

  let pythonHasPackaging = true;
  try {
    execFileSync("python3", ["-c", "import packaging.version"]);
  } catch {
    pythonHasPackaging = false;
  }

  it.skipIf(!pythonHasPackaging)("orders pins, every PyPI record version and PEP 440 edge cases as python's packaging does", () => {
    const ours = sortWith(versions, comparePypi);
    const script =
      "import json,sys,functools\nfrom packaging.version import Version\nvs=json.load(sys.stdin)\n" +
      "print(json.dumps([(Version(a)>Version(b))-(Version(a)<Version(b)) for a,b in zip(vs,vs[1:])]))";
    const answers = JSON.parse(execFileSync("python3", ["-c", script], { input: JSON.stringify(ours) }).toString()) as number[];
    const ourAnswers = ours.slice(1).map((b, i) => comparePypi(ours[i] ?? "", b));
    expect(answers).toEqual(ourAnswers);
    expect(answers.every((a) => a <= 0)).toBe(true);
  });

  it("treats CalVer numerically and normalises names per PEP 503", () => {
    expect(comparePypi("2023.07.22", "2023.7.22")).toBe(0);
    expect(comparePypi("2025.11.12", "2023.7.22")).toBe(1);
    expect(normalizePypiName("Jinja2")).toBe("jinja2");
    expect(normalizePypiName("zope.interface")).toBe("zope-interface");
    expect(normalizePypiName("Foo__Bar")).toBe("foo-bar");
    expect(comparePypi("nonsense!", "1.0")).toBeNull();
  });
});

describe("release matching", () => {
  it("derives the OSV ecosystem from os-release and never crosses releases", () => {
    expect(osEcosystem("debian", "12")).toBe("Debian:12");
    expect(osEcosystem("alpine", "3.18.1")).toBe("Alpine:v3.18");
    expect(osEcosystem("alpine", "3")).toBeNull();
    expect(ecosystemsMatch("Debian:12", "Debian:12")).toBe(true);
    expect(ecosystemsMatch("Debian:11", "Debian:12")).toBe(false);
    expect(ecosystemsMatch("Alpine:v3.19", "Alpine:v3.18")).toBe(false);
  });
});
