import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { digestAlgorithmOf, isDigest } from "@/lib/oci/digest";
import { formatReference, isReference, isValidRepositoryName, isValidTag, parseReference } from "@/lib/oci/reference";

const SHA256 = `sha256:${"a".repeat(64)}`;
const SHA512 = `sha512:${"b".repeat(128)}`;

describe("repository names", () => {
  it.each(["library/app", "a", "a/b/c", "my.repo/x_y", "a__b/c--d", "a-b.c_d/e", `p/${"x".repeat(253)}`])("accepts %s", (name) => {
    expect(isValidRepositoryName(name)).toBe(true);
  });

  it.each(["", "Library/app", "a//b", "/a", "a/", "a/.b", "a/b-", "-a", "a___b", "a/b:1", "a@b", "a b", `p/${"x".repeat(254)}`])(
    "refuses %j",
    (name) => {
      expect(isValidRepositoryName(name)).toBe(false);
    },
  );
});

describe("tags", () => {
  it.each(["latest", "1.0", "_x", "A-b.C_d", "x".repeat(128)])("accepts %s", (tag) => {
    expect(isValidTag(tag)).toBe(true);
  });

  it.each(["", ".x", "-x", "a:b", "a/b", "a b", "x".repeat(129), "é"])("refuses %j", (tag) => {
    expect(isValidTag(tag)).toBe(false);
  });
});

describe("digests", () => {
  it("accepts sha256 and sha512 in lowercase hex only", () => {
    expect(isDigest(SHA256)).toBe(true);
    expect(isDigest(SHA512)).toBe(true);
    for (const bad of [`sha256:${"A".repeat(64)}`, `sha256:${"a".repeat(63)}`, `sha512:${"a".repeat(64)}`, `md5:${"a".repeat(32)}`, "sha256:", "latest", ` ${SHA256}`]) {
      expect(isDigest(bad), bad).toBe(false);
    }
  });

  it("names the algorithm of a digest or a prefix", () => {
    expect(digestAlgorithmOf(SHA512)).toBe("sha512");
    expect(digestAlgorithmOf("sha512:")).toBe("sha512");
    expect(digestAlgorithmOf(SHA256)).toBe("sha256");
    expect(digestAlgorithmOf("latest")).toBe("sha256");
  });
});

describe("references", () => {
  it("is a tag or a digest", () => {
    expect(isReference("1.0")).toBe(true);
    expect(isReference(SHA256)).toBe(true);
    expect(isReference("sha256:zz")).toBe(false);
    expect(isReference("")).toBe(false);
  });

  it("formats name:tag and name@digest", () => {
    expect(formatReference("lib/app", "1.0")).toBe("lib/app:1.0");
    expect(formatReference("lib/app", SHA256)).toBe(`lib/app@${SHA256}`);
  });

  it("parses name:tag and name@digest", () => {
    expect(parseReference("lib/app:1.0")).toEqual({ repository: "lib/app", tag: "1.0", digest: null });
    expect(parseReference(`lib/app@${SHA256}`)).toEqual({ repository: "lib/app", tag: null, digest: SHA256 });
    expect(parseReference(`a:${SHA256.slice(7)}`)).toEqual({ repository: "a", tag: SHA256.slice(7), digest: null });
  });

  it.each(["lib/app", "lib/app:", "lib/app@", "lib/app@latest", "lib/app@sha256:zz", `lib/app:1.0@${SHA256}`, "Lib/app:1.0", ":1.0", "lib/app:.x", `@${SHA256}`])(
    "refuses %j",
    (value) => {
      expect(parseReference(value)).toBeNull();
    },
  );
});

describe("lib/oci is pure", () => {
  it("imports nothing but zod and its own modules (no node:, server-only, Prisma or registry code)", () => {
    const dir = path.join(process.cwd(), "lib/oci");
    const sources = readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
    expect(sources).toEqual(expect.arrayContaining(["digest.ts", "manifest.ts", "media-types.ts", "reference.ts"]));
    for (const file of sources) {
      const text = readFileSync(path.join(dir, file), "utf8");
      const imports = [...text.matchAll(/^\s*(?:import|export)[^;]*?from\s+"([^"]+)"/gm), ...text.matchAll(/^\s*import\s+"([^"]+)"/gm)].map((m) => m[1]);
      for (const specifier of imports) expect(specifier, `${file} imports ${specifier}`).toMatch(/^(zod|\.\/[\w-]+)$/);
      expect(text, file).not.toMatch(/\bfetch\(|\brequire\(/);
    }
  });
});
