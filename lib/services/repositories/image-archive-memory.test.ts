import { createReadStream } from "node:fs";
import { rm, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { beforeAll, describe, expect, it, vi } from "vitest";

const REGISTRY_PORT = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryPort("image-archive-memory-secret-key-0123456789")));

import { createMember, createProject } from "@/lib/services/registry-auth/test-fixtures";
import { downloadArtifact } from "@/lib/services/repositories/download-artifact";
import { importArchive } from "@/lib/services/repositories/import-archive";
import { actorFor } from "@/lib/testing/factories";
import { gatewayHarness } from "@/lib/testing/gateway-harness";

/*
 * An unbounded-growth check, not a timing: an image with one ~200 MB incompressible layer is
 * downloaded through the service (the tar read chunk by chunk to a file) and imported back from
 * that file; the process's RSS is sampled all along and must grow far less than the layer (a
 * download or import that held the layer would grow by at least its size).
 */
const LAYER_BYTES = 200 * 1024 * 1024;
const BOUND = 80 * 1024 * 1024;

const h = gatewayHarness({ registryPort: REGISTRY_PORT, external: "http://wharf.test:3000", name: "image-archive-memory" });

let repository = "";
let maintainer: Awaited<ReturnType<typeof createMember>>;

beforeAll(async () => {
  const project = await createProject();
  maintainer = await createMember(project.id, 4);
  repository = `${project.name}/big`;
  const { writeOciImageLayout } = await import("@/lib/testing/oci-layout");
  const image = await writeOciImageLayout(path.join(h.tmp, "big"), { tag: "t", extraBytes: LAYER_BYTES });
  await h.stage(image.ref, repository, image.manifestDigest);
  await h.putManifest(await h.tokenFor(maintainer.username, repository), repository, "1.0", await h.blobBytes(image.dir, image.manifestDigest), "application/vnd.oci.image.manifest.v1+json");
  await rm(image.dir, { recursive: true, force: true });
}, 600_000);

/** Runs `work` while sampling RSS every 20 ms; answers the peak growth over the baseline. */
async function rssGrowth(work: () => Promise<void>): Promise<number> {
  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, process.memoryUsage().rss) - base;
}

describe("a 200 MB layer", () => {
  it("downloads and imports back in bounded memory", async () => {
    const file = path.join(h.tmp, "big.docker.tar");
    const down = await rssGrowth(async () => {
      const tar = await downloadArtifact({ actor: actorFor(maintainer), repository, reference: "1.0", options: { format: "docker-archive" } });
      await pipeline(Readable.fromWeb(tar.stream as import("node:stream/web").ReadableStream<Uint8Array>), createWriteStream(file));
    });
    expect((await stat(file)).size).toBeGreaterThan(LAYER_BYTES);
    console.log(`download: RSS grew ${(down / 1048576).toFixed(1)} MiB for a ${LAYER_BYTES / 1048576} MiB layer`);
    expect(down).toBeLessThan(BOUND);

    let digest = "";
    const up = await rssGrowth(async () => {
      const body = Readable.toWeb(createReadStream(file)) as unknown as ReadableStream<Uint8Array>;
      digest = (await importArchive({ actor: actorFor(maintainer), repository: repository.replace(/big$/, "big-imported"), tag: "1.0", body })).digest;
    });
    console.log(`import: RSS grew ${(up / 1048576).toFixed(1)} MiB for a ${LAYER_BYTES / 1048576} MiB layer`);
    expect(digest).toMatch(/^sha256:/);
    expect(up).toBeLessThan(BOUND);
    expect(await h.backing.headManifest(repository.replace(/big$/, "big-imported"), "1.0")).not.toBeNull();
  }, 600_000);
});
