import { expect, test } from "@playwright/test";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { hashPassword } from "../lib/auth/password";
import { type OciImageResult, skopeoCopy, writeOciImageLayout } from "../lib/testing/oci-layout";
import { signInAs } from "./helpers";
import { baseURL } from "./playwright.config";

/**
 * The repository page (issue 16 item 12): the artifact list above the fold at 1280×800, `latest`
 * suggested for pulling when it exists (else the newest push), docker and podman pull commands per
 * row, numbered pages, push times to the second; and the members tab's search and role
 * explanations. Images are pushed with skopeo; users and project are seeded.
 */

const DATABASE_URL = process.env.WHARF_E2E_DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/wharf_e2e";
const HOST = new URL(baseURL).host;
const PASSWORD = "E2e-repopage-Passw0rd";
const suffix = randomBytes(3).toString("hex");
const PROJECT = `repopage-${suffix}`;
const LEAD = `lead-${suffix}`;
const ALICE = `alice-${suffix}`;
const BOB = `bob-${suffix}`;

let db: pg.Client;
let tmp: string;
let projectId: number;
const images: OciImageResult[] = [];

test.describe.configure({ mode: "serial" });

async function seedUser(username: string): Promise<number> {
  const user = await db.query<{ id: number }>(
    `INSERT INTO users (username, email, full_name, password_hash, updated_at) VALUES ($1, $2, $3, $4, now()) RETURNING id`,
    [username, `${username}@example.test`, `E2E ${username}`, await hashPassword(PASSWORD)],
  );
  return user.rows[0]!.id;
}

test.beforeAll(async () => {
  test.setTimeout(180_000);
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-e2e-repopage-"));
  db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  const project = await db.query<{ id: number }>(`INSERT INTO projects (name, is_public, updated_at) VALUES ($1, false, now()) RETURNING id`, [PROJECT]);
  projectId = project.rows[0]!.id;
  for (const [user, role] of [
    [LEAD, 1],
    [ALICE, 2],
    [BOB, 3],
  ] as const) {
    await db.query(`INSERT INTO project_members (project_id, user_id, role_id, updated_at) VALUES ($1, $2, $3, now())`, [projectId, await seedUser(user), role]);
  }
  const creds = `${LEAD}:${PASSWORD}`;
  for (const n of [1, 2, 3]) images.push(await writeOciImageLayout(path.join(tmp, `img-${n}`), { tag: `${n}.0`, files: { "etc/n.txt": `${n} ${suffix}\n` } }));
  // app: latest on the oldest image, then two newer pushes: `latest` is still the one suggested.
  await skopeoCopy(images[0]!.ref, `docker://${HOST}/${PROJECT}/app:1.0`, { destCreds: creds });
  await skopeoCopy(images[0]!.ref, `docker://${HOST}/${PROJECT}/app:latest`, { destCreds: creds });
  await skopeoCopy(images[1]!.ref, `docker://${HOST}/${PROJECT}/app:2.0`, { destCreds: creds });
  await skopeoCopy(images[2]!.ref, `docker://${HOST}/${PROJECT}/app:3.0`, { destCreds: creds });
  // nolatest: no `latest`, so the newest push (2.0) is suggested.
  await skopeoCopy(images[0]!.ref, `docker://${HOST}/${PROJECT}/nolatest:1.0`, { destCreds: creds });
  await skopeoCopy(images[1]!.ref, `docker://${HOST}/${PROJECT}/nolatest:2.0`, { destCreds: creds });
});

test.afterAll(async () => {
  await db?.end();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test("the artifact list is above the fold, latest is suggested with docker and podman commands, rows carry both, pages are numbered, pushes to the second", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await signInAs(page, LEAD, PASSWORD);
  await page.goto(`/projects/${projectId}/repositories/app?pageSize=2`);

  await expect(page.getByTestId("suggested-tag")).toHaveText("latest");
  const pull = page.getByTestId("suggested-pull");
  await expect(pull.getByTestId("pull-command")).toHaveText([`docker pull ${HOST}/${PROJECT}/app:latest`, `podman pull ${HOST}/${PROJECT}/app:latest`]);

  // Above the fold: the list's header row starts inside the first 800 px, without scrolling.
  const table = page.getByTestId("artifacts-table");
  const box = (await table.boundingBox())!;
  expect(box.y + 60).toBeLessThan(800);

  // Push times to the second.
  const pushed = page.getByTestId("artifact-pushed");
  await expect(pushed).toHaveCount(2);
  await expect(pushed.first()).toHaveText(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);

  // Every row: full docker and podman pull commands in its menu.
  for (const image of [images[2]!, images[1]!]) {
    const menuButton = page.getByTestId(`artifact-${image.manifestDigest}`).getByRole("button", { name: /^Actions for/ });
    await expect(menuButton).toBeEnabled();
    await menuButton.click();
    const menu = page.getByRole("menu");
    await expect(menu).toContainText(`docker pull ${HOST}/${PROJECT}/app@${image.manifestDigest}`);
    await expect(menu).toContainText(`podman pull ${HOST}/${PROJECT}/app@${image.manifestDigest}`);
    await page.keyboard.press("Escape");
    await expect(menu).toBeHidden();
  }

  // Numbered pages: 3 artifacts at 2 a page are pages 1 and 2; page 2 keeps the page size.
  const pager = page.getByTestId("page-numbers");
  await expect(pager.locator('[aria-current="page"]')).toHaveText(/1/);
  await pager.getByRole("link", { name: "Page 2" }).click();
  await expect(pager.locator('[aria-current="page"]')).toHaveText(/2/);
  await expect(page).toHaveURL(/pageSize=2/);
  await expect(page.getByTestId(`artifact-${images[0]!.manifestDigest}`)).toBeVisible();
  await expect(page.getByTestId("artifact-pushed")).toHaveCount(1);
  await expect(pager.getByRole("link", { name: "Page 1" })).toBeVisible();

  // Without `latest`, the newest push is suggested, and the page says why.
  await page.goto(`/projects/${projectId}/repositories/nolatest`);
  await expect(page.getByTestId("suggested-tag")).toHaveText("2.0");
  await expect(page.getByTestId("suggested-pull")).toContainText("newest push");
  await expect(page.getByTestId("suggested-pull").getByTestId("pull-command").first()).toHaveText(`docker pull ${HOST}/${PROJECT}/nolatest:2.0`);
});

test("the members tab filters by search and explains the chosen role beside the picker", async ({ page }) => {
  await signInAs(page, LEAD, PASSWORD);
  await page.goto(`/projects/${projectId}/members`);
  await expect(page.getByTestId(`member-${ALICE}`)).toBeVisible();
  await expect(page.getByTestId(`member-${BOB}`)).toBeVisible();

  await page.getByLabel("Search members by username").fill(ALICE);
  await expect(page).toHaveURL(new RegExp(`q=${ALICE}`));
  await expect(page.getByTestId(`member-${ALICE}`)).toBeVisible();
  await expect(page.getByTestId(`member-${BOB}`)).toHaveCount(0);
  await expect(page.getByTestId(`member-${LEAD}`)).toHaveCount(0);
  await page.getByLabel("Search members by username").fill(`nobody-${suffix}`);
  await expect(page.getByText("No member matches.")).toBeVisible();
  await page.getByLabel("Search members by username").fill("");
  await expect(page.getByTestId(`member-${BOB}`)).toBeVisible();

  const description = page.getByTestId("role-description");
  await expect(description).toContainText("Developer: Push and pull images.");
  await page.getByLabel("Role of the new member").selectOption({ label: "Maintainer" });
  await expect(description).toContainText("Maintainer:");
  await expect(description).toContainText("delete artifacts");
  await page.getByLabel("Role of the new member").selectOption({ label: "Limited Guest" });
  await expect(description).toContainText("Pull images only.");
  // Every role is explained under the form.
  await page.getByText("What each role may do").click();
  await expect(page.getByTestId("role-legend")).toContainText("Project Admin");
  await expect(page.getByTestId("role-legend")).toContainText("Everything in the project");
});
