import { expect, test } from "@playwright/test";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { hashPassword } from "../lib/auth/password";
import { skopeoCopy, writeOciImageLayout, type OciImageResult } from "../lib/testing/oci-layout";
import { signInAs } from "./helpers";
import { baseURL } from "./playwright.config";

/**
 * Browsing what was pushed: an image pushed through Wharf with two tags shows up on the
 * Repositories tab, the Artifacts page and the artifact's page; deleting one tag there leaves the
 * other pullable. The user and project are seeded in the e2e database (their specs cover the UI).
 */

const DATABASE_URL = process.env.WHARF_E2E_DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/wharf_e2e";
const HOST = new URL(baseURL).host;
const PASSWORD = "E2e-browse-Passw0rd";
const suffix = randomBytes(3).toString("hex");
const PROJECT = `browse-${suffix}`;
const MAINTAINER = `maint-${suffix}`;
const GUEST = `guest-${suffix}`;
const REPOSITORY = `${PROJECT}/tools/app`;
const TARGET = `copies-${suffix}`;

let db: pg.Client;
let tmp: string;
let image: OciImageResult;
let projectId: number;
let targetId: number;

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-e2e-browse-"));
  db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  const user = await db.query<{ id: number }>(
    `INSERT INTO users (username, email, full_name, password_hash, updated_at) VALUES ($1, $2, $3, $4, now()) RETURNING id`,
    [MAINTAINER, `${MAINTAINER}@example.test`, `E2E ${MAINTAINER}`, await hashPassword(PASSWORD)],
  );
  const guest = await db.query<{ id: number }>(
    `INSERT INTO users (username, email, full_name, password_hash, updated_at) VALUES ($1, $2, $3, $4, now()) RETURNING id`,
    [GUEST, `${GUEST}@example.test`, `E2E ${GUEST}`, await hashPassword(PASSWORD)],
  );
  const project = await db.query<{ id: number }>(`INSERT INTO projects (name, is_public, updated_at) VALUES ($1, false, now()) RETURNING id`, [PROJECT]);
  projectId = project.rows[0]!.id;
  // Maintainer (4): may delete tags.
  await db.query(`INSERT INTO project_members (project_id, user_id, role_id, updated_at) VALUES ($1, $2, 4, now())`, [projectId, user.rows[0]!.id]);
  // Guest (3): browses, deletes nothing.
  await db.query(`INSERT INTO project_members (project_id, user_id, role_id, updated_at) VALUES ($1, $2, 3, now())`, [projectId, guest.rows[0]!.id]);

  // A second project where the Maintainer is a Developer: the target of the copy test.
  const target = await db.query<{ id: number }>(`INSERT INTO projects (name, is_public, updated_at) VALUES ($1, false, now()) RETURNING id`, [TARGET]);
  targetId = target.rows[0]!.id;
  await db.query(`INSERT INTO project_members (project_id, user_id, role_id, updated_at) VALUES ($1, $2, 2, now())`, [targetId, user.rows[0]!.id]);

  image = await writeOciImageLayout(path.join(tmp, "oci-app"), { tag: "1.0", files: { "etc/app.conf": `suffix=${suffix}\n` } });
  const creds = `${MAINTAINER}:${PASSWORD}`;
  await skopeoCopy(image.ref, `docker://${HOST}/${REPOSITORY}:1.0`, { destCreds: creds });
  await skopeoCopy(image.ref, `docker://${HOST}/${REPOSITORY}:stable`, { destCreds: creds });
});

test.afterAll(async () => {
  await db?.end();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test("a pushed image is listed; deleting one of its two tags in the UI leaves the other pullable", async ({ page }) => {
  await signInAs(page, MAINTAINER, PASSWORD);

  await page.goto(`/projects/${projectId}/repositories`);
  const repoRow = page.getByTestId(`repository-${REPOSITORY}`);
  await expect(repoRow).toBeVisible();
  await expect(repoRow.getByRole("cell").nth(1)).toHaveText("1");
  await repoRow.getByRole("link", { name: REPOSITORY }).click();

  await expect(page.getByTestId("repository-name")).toHaveText(REPOSITORY);
  const artifactRow = page.getByTestId(`artifact-${image.manifestDigest}`);
  await expect(artifactRow).toContainText("1.0");
  await expect(artifactRow).toContainText("stable");
  await expect(artifactRow).toContainText("linux/amd64");
  // The pull commands are in the row's menu (with copy and delete).
  await artifactRow.getByRole("button", { name: `Actions for ${image.manifestDigest.slice(0, 19)}` }).click();
  await expect(page.getByRole("menu")).toContainText(`docker pull ${HOST}/${REPOSITORY}@${image.manifestDigest}`);
  await expect(page.getByRole("menuitem", { name: "Delete artifact…" })).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("menu")).toHaveCount(0);

  await artifactRow.getByRole("link", { name: image.manifestDigest.slice(0, 19) }).click();
  await expect(page.getByTestId("artifact-digest")).toContainText(REPOSITORY);
  await expect(page.getByTestId("tags-table")).toContainText("stable");
  await expect(page.getByTestId("layers-table")).toContainText(image.layerDigests[0]!.slice(0, 19));
  await expect(page.getByTestId("history-table")).toContainText("wharf test fixture");
  await expect(page.getByTestId("manifest-json")).toContainText(image.configDigest);

  await page.getByRole("button", { name: "Delete tag 1.0" }).click();
  const confirm = page.getByRole("dialog");
  await expect(confirm).toContainText(`Delete tag ${REPOSITORY}:1.0?`);
  await confirm.getByRole("button", { name: "Delete tag 1.0" }).click();
  await expect(page.getByTestId("flash")).toContainText("deleted", { ignoreCase: true });
  await expect(page.getByTestId("tag-1.0")).toHaveCount(0);
  await expect(page.getByTestId("tag-stable")).toBeVisible();

  // The sibling still pulls; the deleted tag does not.
  const creds = `${MAINTAINER}:${PASSWORD}`;
  await skopeoCopy(`docker://${HOST}/${REPOSITORY}:stable`, `oci:${path.join(tmp, "pulled")}:stable`, { srcCreds: creds });
  await expect(skopeoCopy(`docker://${HOST}/${REPOSITORY}:1.0`, `oci:${path.join(tmp, "gone")}:1.0`, { srcCreds: creds })).rejects.toThrow();
});

test("a Guest browses the same pages with no delete, tag or description controls", async ({ page }) => {
  await signInAs(page, GUEST, PASSWORD);
  await page.goto(`/projects/${projectId}/repositories/tools/app`);
  await expect(page.getByTestId(`artifact-${image.manifestDigest}`)).toContainText("stable");
  await expect(page.getByRole("button", { name: /Delete/ })).toHaveCount(0);
  // The row menu offers the pull commands, not the delete.
  await page.getByTestId(`artifact-${image.manifestDigest}`).getByRole("button", { name: /^Actions for/ }).click();
  await expect(page.getByRole("menuitem", { name: /Copy docker pull command/ })).toBeVisible();
  await expect(page.getByRole("menuitem", { name: /Delete/ })).toHaveCount(0);
  await page.keyboard.press("Escape");
  await expect(page.getByRole("button", { name: "Edit description" })).toHaveCount(0);
  await page.goto(`/projects/${projectId}/repositories/tools/app/-/artifacts/stable`);
  await expect(page.getByTestId("tag-stable")).toBeVisible();
  await expect(page.getByRole("button", { name: /Delete/ })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Add tag" })).toHaveCount(0);
});

test("a Maintainer copies an artifact into another project from its page, and the copy pulls with the same digest", async ({ page }) => {
  await signInAs(page, MAINTAINER, PASSWORD);
  await page.goto(`/projects/${projectId}/repositories/tools/app/-/artifacts/stable`);
  await page.getByRole("button", { name: "Copy…" }).click();
  const form = page.getByRole("form", { name: "Copy artifact" });
  await form.getByLabel("Target project").selectOption(TARGET);
  await form.getByLabel("Repository (new or existing)").fill("Not Valid");
  await form.getByRole("button", { name: "Copy", exact: true }).click();
  await expect(form.getByTestId("error-repository")).toBeVisible();

  await form.getByLabel("Repository (new or existing)").fill("mirror/app");
  await form.getByLabel("Tag (optional)").fill("v1");
  await form.getByRole("button", { name: "Copy", exact: true }).click();
  const result = page.getByTestId("copy-result");
  await expect(result).toContainText(`${TARGET}/mirror/app:v1`);
  await result.getByRole("link").click();
  await expect(page.getByTestId("artifact-digest")).toContainText(`${TARGET}/mirror/app`);
  await expect(page.getByTestId("tag-v1")).toBeVisible();
  await expect(page.getByText(image.manifestDigest).first()).toBeVisible();

  const dir = path.join(tmp, "copied");
  await skopeoCopy(`docker://${HOST}/${TARGET}/mirror/app:v1`, `oci:${dir}:v1`, { srcCreds: `${MAINTAINER}:${PASSWORD}` });
  const index = JSON.parse(await readFile(path.join(dir, "index.json"), "utf8")) as { manifests: { digest: string }[] };
  expect(index.manifests[0]!.digest).toBe(image.manifestDigest);
});

test("the repository description is edited as markdown and shown rendered, without raw HTML", async ({ page }) => {
  await signInAs(page, MAINTAINER, PASSWORD);
  await page.goto(`/projects/${projectId}/repositories/tools/app`);
  await page.getByRole("button", { name: "Edit description" }).click();
  await page.getByLabel("Description (markdown)").fill("# Tools app\n\nUse **stable**.\n\n<b>raw</b>");
  await page.getByRole("button", { name: "Save" }).click();
  const description = page.getByTestId("repository-description");
  await expect(description.getByRole("heading", { name: "Tools app" })).toBeVisible();
  await expect(description.locator("strong")).toHaveText("stable");
  await expect(description.locator("b")).toHaveCount(0);
});
