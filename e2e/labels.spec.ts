import { expect, test } from "@playwright/test";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { skopeoCopy, writeOciImageLayout } from "../lib/testing/oci-layout";
import { ADMIN, signInAs } from "./helpers";
import { baseURL } from "./playwright.config";

/**
 * Labels in the console (issue 17 item 2): an administrator creates a global label under
 * Administration → Labels, adds it to one of two artifacts on its page, filters the repository's
 * artifact list by it (server-side: only that artifact is listed, the filter kept in the URL), and
 * takes it off again.
 */

const DATABASE_URL = process.env.WHARF_E2E_DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/wharf_e2e";
const HOST = new URL(baseURL).host;
const suffix = randomBytes(3).toString("hex");
const PROJECT = `labels-${suffix}`;
const LABEL = `prod-${suffix}`;

let db: pg.Client;
let tmp: string;
let projectId: number;
let labelled: string;
let other: string;

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  test.setTimeout(180_000);
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-e2e-labels-"));
  db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  projectId = (await db.query<{ id: number }>(`INSERT INTO projects (name, is_public, updated_at) VALUES ($1, false, now()) RETURNING id`, [PROJECT])).rows[0]!.id;
  for (const tag of ["1.0", "2.0"]) {
    const image = await writeOciImageLayout(path.join(tmp, tag), { tag, files: { "etc/labels.txt": `${suffix} ${tag}\n` } });
    await skopeoCopy(image.ref, `docker://${HOST}/${PROJECT}/app:${tag}`, { destCreds: `${ADMIN.username}:${ADMIN.password}` });
  }
  const digestOf = async (tag: string) =>
    (await db.query<{ digest: string }>(`SELECT a.digest FROM tags t JOIN artifacts a ON a.id = t.artifact_id JOIN repositories r ON r.id = t.repository_id WHERE r.name = $1 AND t.name = $2`, [`${PROJECT}/app`, tag])).rows[0]!.digest;
  labelled = await digestOf("1.0");
  other = await digestOf("2.0");
});

test.afterAll(async () => {
  await db?.query(`DELETE FROM labels WHERE name = $1`, [LABEL]).catch(() => undefined);
  await db?.end();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test("create a label, add it on an artifact page, filter the artifact list by it, remove it", async ({ page }) => {
  await signInAs(page, ADMIN.username, ADMIN.password);
  await page.getByRole("link", { name: "Labels", exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/labels$/);
  const form = page.getByTestId("label-form");
  await form.getByLabel("Name").fill(LABEL);
  await form.getByLabel("Colour", { exact: true }).fill("#C62828");
  await form.getByLabel("Description").fill("ready for production");
  await form.getByRole("button", { name: "Create label" }).click();
  await expect(form.getByRole("status")).toHaveText(`Label ${LABEL} created.`);
  await expect(page.getByTestId(`label-row-${LABEL}`).getByTestId("label-badge")).toHaveText(LABEL);

  // A second label of the same name is refused at the field, nothing saved.
  await form.getByLabel("Name").fill(LABEL);
  await form.getByRole("button", { name: "Create label" }).click();
  await expect(form.getByTestId("error-name")).toHaveText(`A label named ${LABEL} exists globally`);
  await expect(page.getByTestId(`label-row-${LABEL}`)).toHaveCount(1);

  await page.goto(`/projects/${projectId}/repositories/app/-/artifacts/1.0`);
  const section = page.getByTestId("artifact-labels");
  await expect(section).toContainText("No labels on this artifact.");
  await section.getByLabel("Add a label").selectOption({ label: `${LABEL} (global)` });
  await section.getByRole("button", { name: "Add", exact: true }).click();
  await expect(section.getByTestId("label-badge")).toHaveText(LABEL);
  await expect(section.getByRole("status")).toHaveText(`Label ${LABEL} added.`);

  await page.goto(`/projects/${projectId}/repositories/app`);
  const table = page.getByTestId("artifacts-table");
  await expect(table.getByTestId(`artifact-${labelled}`)).toBeVisible();
  await expect(table.getByTestId(`artifact-${other}`)).toBeVisible();
  await expect(table.getByTestId(`artifact-${labelled}`).getByTestId("label-badge")).toHaveText(LABEL);
  const filter = page.getByTestId("label-filter");
  await filter.getByLabel("Label", { exact: true }).selectOption({ label: `${LABEL} (global)` });
  await filter.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/[?&]label=\d+/);
  await expect(table.getByTestId(`artifact-${other}`)).toHaveCount(0);
  await expect(table.getByTestId(`artifact-${labelled}`)).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Pagination" })).toContainText("1");

  await page.goto(`/projects/${projectId}/repositories/app/-/artifacts/1.0`);
  await section.getByRole("button", { name: `Remove label ${LABEL}` }).click();
  await expect(section).toContainText("No labels on this artifact.");
  await expect(section.getByTestId("label-badge")).toHaveCount(0);
  const rows = await db.query(`SELECT 1 FROM artifact_labels al JOIN labels l ON l.id = al.label_id WHERE l.name = $1`, [LABEL]);
  expect(rows.rowCount).toBe(0);
  const audit = await db.query<{ action: string }>(`SELECT action FROM audit_events WHERE action IN ('label.create', 'artifact.label.add', 'artifact.label.remove') AND result = 'success' AND resource_name LIKE $1 ORDER BY id`, [`%${PROJECT}/app%`]);
  expect(audit.rows.map((r) => r.action)).toEqual(["artifact.label.add", "artifact.label.remove"]);
});
