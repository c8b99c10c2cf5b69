import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { db } from "@/lib/db/client";
import { vulnDbImportJob } from "@/lib/jobs/definitions";
import { runQueuedRun } from "@/lib/jobs/testing/run-queued";
import { fixturePath } from "@/lib/scan/fixtures";
import { queueVulnDbImport } from "@/lib/services/scan/queue-vuln-import";

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-vuln-job-"));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("the scan.vuln_db_import job", () => {
  it("imports the fixture folder with progress, counts on the import row and a log", async () => {
    const { importId, runId } = await db.$transaction((tx) =>
      queueVulnDbImport(tx, { kind: "folder", path: fixturePath("osv/PyPI"), label: "fixtures PyPI" }, "test"),
    );
    const result = await runQueuedRun(vulnDbImportJob, runId);
    expect(result).toMatchObject({ importId, seen: 18, malformed: 0 });
    const run = await db.jobRun.findUniqueOrThrow({ where: { id: runId } });
    expect(run).toMatchObject({ status: "succeeded", progressDone: 18 });
    expect(run.log).toMatch(/Imported 18 records/);
    expect(await db.vulnDbImport.findUniqueOrThrow({ where: { id: importId } })).toMatchObject({ status: "succeeded", recordsSeen: 18 });
  });

  it("fails the import with a clear message when the zip is not a zip", async () => {
    const notZip = path.join(tmp, "all.zip");
    await writeFile(notZip, "not a zip at all");
    const { importId, runId } = await db.$transaction((tx) => queueVulnDbImport(tx, { kind: "zip", path: notZip, label: "all.zip" }, "test"));
    await expect(runQueuedRun(vulnDbImportJob, runId)).rejects.toThrow(/all\.zip is not a readable zip archive/);
    expect(await db.vulnDbImport.findUniqueOrThrow({ where: { id: importId } })).toMatchObject({
      status: "failed",
      error: expect.stringMatching(/not a readable zip archive/),
    });
  });
});
