import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import { fixturePath } from "@/lib/scan/fixtures";
import { extractInventory } from "@/lib/scan/inventory";
import { inventorySbom } from "@/lib/scan/sbom";
import { chunked, gzipLayer } from "@/lib/scan/testing/layers";

describe("CycloneDX SBOM of an inventory", () => {
  it("lists the OS and every package of the fixture Alpine image with purls and layers", async () => {
    const layer = await gzipLayer([
      { path: "etc/alpine-release", content: readFileSync(fixturePath("package-dbs/alpine-3.18/etc/alpine-release"), "utf8") },
      { path: "lib/apk/db/installed", content: readFileSync(fixturePath("package-dbs/alpine-3.18/lib/apk/db/installed"), "utf8") },
    ]);
    const inventory = await extractInventory([
      { digest: "sha256:layer", mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", open: async () => chunked(layer) },
    ]);
    const sbom = JSON.parse(inventorySbom({ repository: "library/alpine", digest: "sha256:abc" }, inventory, new Date("2026-01-01T00:00:00Z"))) as {
      bomFormat: string;
      specVersion: string;
      metadata: { component: { name: string; version: string; type: string } };
      components: { type: string; name: string; version?: string; purl?: string; properties?: { name: string; value: string }[] }[];
    };
    expect(sbom).toMatchObject({ bomFormat: "CycloneDX", specVersion: "1.6", metadata: { component: { name: "library/alpine", version: "sha256:abc", type: "container" } } });
    expect(sbom.components.filter((c) => c.type === "library")).toHaveLength(15);
    expect(sbom.components.find((c) => c.type === "operating-system")).toMatchObject({ name: "alpine", version: "3.18.1" });
    const musl = sbom.components.find((c) => c.name === "musl");
    expect(musl).toMatchObject({ version: "1.2.4-r0", purl: "pkg:apk/alpine/musl@1.2.4-r0?arch=x86_64&distro=3.18" });
    expect(musl?.properties).toEqual(expect.arrayContaining([{ name: "wharf:layer_digest", value: "sha256:layer" }]));
  });
});
