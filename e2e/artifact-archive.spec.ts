import { expect, test } from "@playwright/test";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { hashPassword } from "../lib/auth/password";
import { skopeoCopy, writeOciImageLayout } from "../lib/testing/oci-layout";
import { signInAs } from "./helpers";
import { baseURL } from "./playwright.config";

/**
 * Image archives in the console (issue 17 item 4): the artifact page's Download menu saves a
 * docker-archive (Playwright's download event; skopeo reads it back), and the repository page's
 * Import form uploads that tar under a new tag, which then pulls.
 */

const DATABASE_URL = process.env.WHARF_E2E_DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/wharf_e2e";
const HOST = new URL(baseURL).host;
const PASSWORD = "E2e-archive-Passw0rd";
const suffix = randomBytes(3).toString("hex");
const PROJECT = `archive-${suffix}`;
const LEAD = `archlead-${suffix}`;
const run = promisify(execFile);

let db: pg.Client;
let tmp: string;
let projectId: number;
let configDigest: string;

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  test.setTimeout(180_000);
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-e2e-archive-"));
  db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  projectId = (await db.query<{ id: number }>(`INSERT INTO projects (name, is_public, updated_at) VALUES ($1, false, now()) RETURNING id`, [PROJECT])).rows[0]!.id;
  const user = await db.query<{ id: number }>(
    `INSERT INTO users (username, email, full_name, password_hash, updated_at) VALUES ($1, $2, $3, $4, now()) RETURNING id`,
    [LEAD, `${LEAD}@example.test`, `E2E ${LEAD}`, await hashPassword(PASSWORD)],
  );
  await db.query(`INSERT INTO project_members (project_id, user_id, role_id, updated_at) VALUES ($1, $2, 1, now())`, [projectId, user.rows[0]!.id]);
  const image = await writeOciImageLayout(path.join(tmp, "img"), { tag: "1.0", files: { "etc/archive.txt": `${suffix}\n` } });
  configDigest = image.configDigest;
  await skopeoCopy(image.ref, `docker://${HOST}/${PROJECT}/app:1.0`, { destCreds: `${LEAD}:${PASSWORD}` });
});

test.afterAll(async () => {
  await db?.end();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test("download a docker-archive from the artifact page, then import it under a new tag", async ({ page }) => {
  await signInAs(page, LEAD, PASSWORD);
  await page.goto(`/projects/${projectId}/repositories/app/-/artifacts/1.0`);
  await page.getByTestId("artifact-download").locator("summary").click();
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("artifact-download-submit").click()]);
  expect(download.suggestedFilename()).toBe("app-1.0.docker.tar");
  const file = path.join(tmp, "app.docker.tar");
  await download.saveAs(file);
  const { stdout } = await run("skopeo", ["inspect", "--config", "--raw", `docker-archive:${file}`], { encoding: "buffer" });
  const { createHash } = await import("node:crypto");
  expect(`sha256:${createHash("sha256").update(stdout).digest("hex")}`).toBe(configDigest);

  await page.goto(`/projects/${projectId}/repositories/app`);
  const form = page.getByTestId("import-archive");
  await form.locator("summary").click();
  await form.locator('input[type="file"]').setInputFiles(file);
  await form.locator('input[name="tag"]').fill("imported");
  await form.locator('button[type="submit"]').click();
  await expect(page.getByTestId("import-status")).toContainText("sha256:", { timeout: 60_000 });
  // The imported tag pulls through Wharf.
  await skopeoCopy(`docker://${HOST}/${PROJECT}/app:imported`, `oci:${path.join(tmp, "pulled")}:t`, { srcCreds: `${LEAD}:${PASSWORD}` });
});
