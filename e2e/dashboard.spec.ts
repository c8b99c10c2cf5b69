import { expect, type Page, test } from "@playwright/test";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { ADMIN, createUserThroughUi, signInAs, signOut, uniqueUsername, USER_PASSWORD } from "./helpers";

/**
 * The dashboard: the landing page after sign-in (the whole registry for the administrator, nothing
 * of a private project for someone who is not its member) and a project's Summary with its own
 * figures, the charts drawn as SVG, and both pages within the window at 1280 and 390 px. The
 * project's repositories, artifacts and traffic are written straight to Postgres (the index and
 * audit rows the gateway would write), so the expected numbers are exact.
 */

const DATABASE_URL = process.env.WHARF_E2E_DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/wharf_e2e";
const suffix = randomBytes(3).toString("hex");
const PROJECT = `dash-${suffix}`;

let db: pg.Client;
let projectId: number;

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  projectId = (await db.query<{ id: number }>(`INSERT INTO projects (name, is_public, updated_at) VALUES ($1, false, now()) RETURNING id`, [PROJECT])).rows[0]!.id;
  const repo = async (name: string, artifactCount: number) =>
    (await db.query<{ id: number }>(`INSERT INTO repositories (project_id, name, artifact_count, updated_at) VALUES ($1, $2, $3, now()) RETURNING id`, [projectId, `${PROJECT}/${name}`, artifactCount])).rows[0]!.id;
  const app = await repo("app", 2);
  const web = await repo("web", 1);
  for (const [repositoryId, size] of [[app, 512], [app, 1024], [web, 2048]] as const) {
    const digest = `sha256:${randomBytes(32).toString("hex")}`;
    const artifactId = (
      await db.query<{ id: number }>(
        `INSERT INTO artifacts (repository_id, digest, media_type, manifest_size, total_size, pushed_at) VALUES ($1, $2, 'application/vnd.oci.image.manifest.v1+json', 100, $3, now()) RETURNING id`,
        [repositoryId, digest, size],
      )
    ).rows[0]!.id;
    // The blob it references, as the index writer records it: the quota's usage (distinct blobs,
    // kept by the artifact_blobs triggers) is the storage the Summary shows.
    await db.query(`INSERT INTO artifact_blobs (artifact_id, project_id, repository_id, digest, size) VALUES ($1, $2, $3, $4, $5)`, [artifactId, projectId, repositoryId, digest, size]);
  }
  // Written now: today in the 30-day window (the service tests cover its edges).
  const traffic = (action: string, name: string, times: number, result = "success") =>
    db.query(
      `INSERT INTO audit_events (principal_kind, actor_name, action, resource_type, resource_name, project_id, result, reason)
       SELECT 'user'::"PrincipalKind", 'e2e-pusher', $1::varchar, 'artifact', $2::varchar, $3::int, $4::"AuditResult", $5::varchar FROM generate_series(1, $6::int)`,
      [action, `${PROJECT}/${name}`, projectId, result, result === "failure" ? "missing permission repository:pull" : null, times],
    );
  await traffic("artifact.push", "app:1.0", 3);
  // Enough pulls to be among the registry's five most pulled whatever earlier specs pulled.
  await traffic("artifact.pull", "app:1.0", 250);
  await traffic("artifact.pull", "web:latest", 2);
  await traffic("artifact.pull", "app:1.0", 1, "failure");
});

test.afterAll(async () => {
  await db?.end();
});

/** The charts are loaded after the page (a lazy chunk): wait until both are drawn. */
async function expectCharts(page: Page) {
  for (const chart of ["chart-pushes", "chart-pulls"]) {
    await expect(page.getByTestId(chart).locator("svg.recharts-surface")).toBeVisible();
    await expect(page.getByTestId(chart).locator(".recharts-bar-rectangle").first()).toBeAttached();
  }
}

async function expectFitsWindow(page: Page, what: string) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
  expect(scrollWidth, `${what} is ${scrollWidth} px wide in a ${innerWidth} px window`).toBeLessThanOrEqual(innerWidth);
}

test("the administrator lands on the dashboard: the registry's counts and both charts", async ({ page }) => {
  await signInAs(page, ADMIN.username, ADMIN.password);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
  const { projects, repositories } = (
    await db.query<{ projects: number; repositories: number }>(
      `SELECT (SELECT count(*)::int FROM projects) AS projects, (SELECT count(*)::int FROM repositories WHERE deleting_at IS NULL) AS repositories`,
    )
  ).rows[0]!;
  await page.reload();
  await expect(page.getByTestId("count-projects")).toHaveText(projects.toLocaleString("en-US"));
  await expect(page.getByTestId("count-repositories")).toHaveText(repositories.toLocaleString("en-US"));
  await expect(page.getByTestId("count-storage")).toContainText(/B$/);
  await expectCharts(page);
  await expect(page.getByTestId("top-pulled")).toContainText(`${PROJECT}/app`);
  await expect(page.getByTestId("recent-failures")).toContainText(`${PROJECT}/app:1.0`);
  await expect(page.getByTestId("job-health")).toContainText("index.reconcile");
  await expect(page.getByRole("link", { name: "Dashboard" })).toHaveAttribute("aria-current", "page");
});

test("a project's Summary shows its own numbers", async ({ page }) => {
  await signInAs(page, ADMIN.username, ADMIN.password);
  await page.goto(`/projects/${projectId}`);
  const dashboard = page.getByTestId("dashboard");
  await expect(dashboard.getByTestId("count-projects")).toHaveCount(0);
  await expect(dashboard.getByTestId("count-repositories")).toHaveText("2");
  await expect(dashboard.getByTestId("count-artifacts")).toHaveText("3");
  await expect(dashboard.getByTestId("count-storage")).toHaveText("3.50 KiB"); // 512 + 1024 + 2048 bytes
  await expect(page.getByTestId("chart-pushes")).toContainText("last 30 days (UTC): 3");
  await expect(page.getByTestId("chart-pulls")).toContainText("last 30 days (UTC): 252");
  await expect(page.getByTestId("top-pulled").getByRole("listitem")).toHaveText([new RegExp(`^${PROJECT}/app\\s*250 pulls$`), new RegExp(`^${PROJECT}/web\\s*2 pulls$`)]);
  await expect(page.getByTestId("recent-failures").getByRole("listitem")).toHaveCount(1);
  await expectCharts(page);
  await page.getByTestId("top-pulled").getByRole("link", { name: `${PROJECT}/app` }).click();
  await expect(page).toHaveURL(new RegExp(`/projects/${projectId}/repositories/app$`));
});

test("the dashboard and a project's Summary fit the window at 1280 and 390 px", async ({ page }) => {
  await signInAs(page, ADMIN.username, ADMIN.password);
  for (const viewport of [
    { width: 1280, height: 800 },
    { width: 390, height: 844 },
  ]) {
    await page.setViewportSize(viewport);
    for (const [what, url] of [
      ["the dashboard", "/"],
      ["the project summary", `/projects/${projectId}`],
    ] as const) {
      await page.goto(url);
      await expectCharts(page);
      await expectFitsWindow(page, `${what} at ${viewport.width} px`);
    }
  }
});

test("someone in no project sees nothing of a private project on their dashboard", async ({ page }) => {
  const user = uniqueUsername("dash-user");
  await signInAs(page, ADMIN.username, ADMIN.password);
  await createUserThroughUi(page, user);
  await signOut(page);
  await signInAs(page, user, USER_PASSWORD);
  await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
  await expect(page.getByTestId("count-projects")).toHaveText("0");
  await expect(page.getByTestId("count-repositories")).toHaveText("0");
  await expect(page.getByTestId("chart-pulls")).toContainText("last 30 days (UTC): 0");
  await expect(page.getByRole("main")).not.toContainText(PROJECT);
  await expect(page.getByTestId("job-health")).toHaveCount(0);
  // Their own project's Summary would be theirs; this one is not found.
  const response = await page.goto(`/projects/${projectId}`);
  expect(response?.status()).toBe(404);
});
