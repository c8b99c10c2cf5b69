import { expect, test } from "@playwright/test";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { hashPassword } from "../lib/auth/password";
import { fixtureOsvZip } from "../lib/services/scan/vuln-db-admin-testing";
import { skopeoCopy, writeOciImageLayout, type OciImageResult } from "../lib/testing/oci-layout";
import { ADMIN, signInAs, signOut } from "./helpers";
import { baseURL } from "./playwright.config";

/**
 * The security views end to end: the scanner fixture's Python image (requirements.txt with 12
 * known findings against the fixture's real PyPI OSV records, lib/scan/fixtures/expected.json)
 * pushed with skopeo, scanned from its artifact page by the built-in scanner (the launcher's
 * worker runs it); the artifact list then shows its severity bar, the Vulnerabilities section is
 * filtered (package text, fixable, severity) and exported as CSV, and the project's Security tab
 * and Administration → Security hub count it; a search of one CVE finds it. An auditor reads the
 * Security hub. The OSV records are imported through the REST upload (its own spec covers the UI).
 */

const DATABASE_URL = process.env.WHARF_E2E_DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/wharf_e2e";
const HOST = new URL(baseURL).host;
const PASSWORD = "E2e-security-Passw0rd";
const suffix = randomBytes(3).toString("hex");
const PROJECT = `security-${suffix}`;
const MAINTAINER = `secmaint-${suffix}`;
const AUDITOR = `secaudit-${suffix}`;
const REPOSITORY = `${PROJECT}/python`;
const OSV = path.resolve("lib/scan/fixtures/osv");

let db: pg.Client;
let tmp: string;
let image: OciImageResult;
let projectId: number;

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ request }) => {
  test.setTimeout(180_000);
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-e2e-security-"));
  db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  const insertUser = async (name: string, auditor: boolean) =>
    (
      await db.query<{ id: number }>(
        `INSERT INTO users (username, email, full_name, password_hash, is_auditor, updated_at) VALUES ($1, $2, $3, $4, $5, now()) RETURNING id`,
        [name, `${name}@example.test`, `E2E ${name}`, await hashPassword(PASSWORD), auditor],
      )
    ).rows[0]!.id;
  const maintainer = await insertUser(MAINTAINER, false);
  await insertUser(AUDITOR, true);
  projectId = (await db.query<{ id: number }>(`INSERT INTO projects (name, is_public, updated_at) VALUES ($1, false, now()) RETURNING id`, [PROJECT])).rows[0]!.id;
  await db.query(`INSERT INTO project_members (project_id, user_id, role_id, updated_at) VALUES ($1, $2, 4, now())`, [projectId, maintainer]);

  // The PyPI advisories the image's findings come from, imported as an air-gapped install scripts it.
  const authorization = `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString("base64")}`;
  const upload = await request.post("/api/v2.0/vulnerability-db/imports", { headers: { authorization, "content-type": "application/zip" }, data: fixtureOsvZip("PyPI", OSV).zip });
  expect(upload.status()).toBe(202);
  const location = upload.headers()["location"]!;
  await expect.poll(async () => ((await (await request.get(location, { headers: { authorization } })).json()) as { status: string }).status, { timeout: 60_000 }).toBe("succeeded");

  const requirements = await readFile(path.resolve("lib/scan/fixtures/package-dbs/pypi-python-fixture/requirements.txt"), "utf8");
  image = await writeOciImageLayout(path.join(tmp, "python"), { tag: "1.0", files: { "app/requirements.txt": requirements } });
  await skopeoCopy(image.ref, `docker://${HOST}/${REPOSITORY}:1.0`, { destCreds: `${MAINTAINER}:${PASSWORD}` });
});

test.afterAll(async () => {
  await db?.end();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test("a scanned image shows its severity bar in the list; its vulnerabilities are filtered and exported as CSV", async ({ page }) => {
  test.setTimeout(180_000);
  await signInAs(page, MAINTAINER, PASSWORD);
  const list = `/projects/${projectId}/repositories/python`;
  await page.goto(list);
  const row = page.getByTestId(`artifact-${image.manifestDigest}`);
  await expect(row.getByTestId("scan-overview")).toContainText("Not scanned");

  await row.getByRole("link", { name: image.manifestDigest.slice(0, 19) }).click();
  await page.getByTestId("scan-artifact").getByRole("button", { name: "Scan" }).click();
  // The section refreshes itself while the scan is queued or running.
  await expect(page.getByTestId("vulnerabilities-table")).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId("severity-summary")).toContainText("Total: 12");

  // The list: a bar whose label and tooltip give the numbers.
  await page.goto(list);
  const bar = row.getByTestId("scan-overview").getByTestId("severity-bar");
  await expect(bar).toBeVisible();
  await expect(bar).toHaveAttribute("aria-label", /Critical, .* High, .* Medium, .* Low/);
  await expect(bar).toContainText("12 ·");

  // Filters, server-side: a package's text, then only fixable, then a severity with no match.
  await row.getByRole("link", { name: image.manifestDigest.slice(0, 19) }).click();
  const filters = page.getByTestId("vulnerability-filters");
  await filters.getByTestId("filter-text").fill("urllib3");
  await filters.getByTestId("filter-apply").click();
  await expect(page).toHaveURL(/vulnQ=urllib3/);
  const rows = page.getByTestId("vulnerabilities-table").locator("tbody tr");
  await expect(rows).toHaveCount(4);
  for (const id of ["GHSA-34jh-p97f-mpxf", "GHSA-g4mx-q9vg-27p4", "GHSA-v845-jxx5-vc9f", "PYSEC-2020-148"]) await expect(page.getByTestId(`vulnerability-${id}`)).toBeVisible();
  await filters.getByTestId("filter-fixable").check();
  await filters.getByTestId("filter-apply").click();
  await expect(page).toHaveURL(/vulnFixable=1/);
  await expect(rows).toHaveCount(4); // each urllib3 finding names its fixed version
  // The summary stays the whole report's.
  await expect(page.getByTestId("severity-summary")).toContainText("Total: 12");

  // The CSV: the filtered rows, as an attachment.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("vulnerabilities-csv").click()]);
  expect(download.suggestedFilename()).toMatch(/_vulnerabilities\.csv$/);
  const csv = await readFile((await download.path())!, "utf8");
  const lines = csv.trim().split("\r\n");
  expect(lines[0]).toBe("vulnerability,severity,cvss_score,cvss_vector,package,installed_version,fixed_version,link");
  expect(lines).toHaveLength(5);
  expect(lines.slice(1).every((l) => l.includes(",urllib3,"))).toBe(true);

  await filters.getByTestId("filter-clear").click();
  await expect(rows).toHaveCount(12);
});

test("the project's Security tab and the Security hub count the image; one CVE is found across artifacts", async ({ page }) => {
  await signInAs(page, MAINTAINER, PASSWORD);
  await page.goto(`/projects/${projectId}`);
  await page.getByRole("navigation", { name: "Project" }).getByRole("link", { name: "Security" }).click();
  await expect(page).toHaveURL(new RegExp(`/projects/${projectId}/security$`));
  await expect(page.getByTestId("total-all")).toContainText("12");
  await expect(page.getByTestId("scanned-counts")).toContainText("1 of 1 image scanned");
  await expect(page.getByTestId(`top-artifact-${image.manifestDigest}`)).toBeVisible();
  await expect(page.getByTestId("top-cves").locator("tbody tr")).toHaveCount(5);
  await signOut(page);

  for (const [who, password] of [
    [ADMIN.username, ADMIN.password],
    [AUDITOR, PASSWORD],
  ] as const) {
    await signInAs(page, who, password);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Security hub" }).click();
    await expect(page.getByRole("heading", { name: "Security hub" })).toBeVisible();
    await expect(page.getByTestId("security-totals")).toBeVisible();
    const search = page.getByTestId("vulnerability-search");
    await search.getByTestId("search-kind").selectOption("cve");
    await search.getByTestId("search-text").fill("GHSA-jjg7-2v4v-x38h");
    await search.getByTestId("search-submit").click();
    await expect(page).toHaveURL(/q=GHSA-jjg7-2v4v-x38h/);
    const hit = page.getByTestId("search-hit").filter({ hasText: REPOSITORY });
    await expect(hit).toHaveCount(1);
    await expect(hit).toContainText("idna");
    await signOut(page);
  }

  // A project member who is neither is refused the hub.
  await signInAs(page, MAINTAINER, PASSWORD);
  await page.goto("/admin/security");
  await expect(page.getByRole("heading", { name: "Security hub" })).toHaveCount(0);
});
