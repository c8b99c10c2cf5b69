import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseArtifactRef, ZCopyArtifact } from "@/lib/validation/repositories";

const DIGEST = `sha256:${"c".repeat(64)}`;

describe("parseArtifactRef (Harbor's copy source)", () => {
  it("splits <project>/<repository>:<tag> and <project>/<repository>@<digest>", () => {
    expect(parseArtifactRef("lib/app:1.0")).toEqual({ repository: "lib/app", reference: "1.0" });
    expect(parseArtifactRef(`lib/a/b@${DIGEST}`)).toEqual({ repository: "lib/a/b", reference: DIGEST });
  });

  it.each(["app:1.0", `app@${DIGEST}`, "lib/app", "lib/app@latest", "lib/App:1.0", `lib/app:1.0@${DIGEST}`, "lib/app:-x", ""])("refuses %j", (value) => {
    expect(parseArtifactRef(value)).toBeNull();
  });

  it("is what ZCopyArtifact's from field yields, with its message otherwise", () => {
    expect(ZCopyArtifact.parse({ from: " lib/app:1.0 ", project: "p", repository: "r" }).from).toEqual({ repository: "lib/app", reference: "1.0" });
    const refused = ZCopyArtifact.safeParse({ from: "app:1.0", project: "p", repository: "r" });
    expect(refused.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["from", "Expected <project>/<repository>:<tag> or <project>/<repository>@sha256:<64 hex>."],
    ]);
  });
});

describe("lib/validation", () => {
  it("imports no registry client (it is shared with browser forms; the grammar comes from lib/oci)", () => {
    const dir = path.join(process.cwd(), "lib/validation");
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
      expect(readFileSync(path.join(dir, file), "utf8"), file).not.toMatch(/from "@\/lib\/registry\//);
    }
  });
});
