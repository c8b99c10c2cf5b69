import { expect, type Page, test } from "@playwright/test";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { consolePages } from "../lib/testing/console-pages";
import { type OciAccessoryResult, type OciImageResult, skopeoCopy, writeOciAccessoryLayout, writeOciImageLayout } from "../lib/testing/oci-layout";
import { ADMIN, signInAs } from "./helpers";
import { baseURL } from "./playwright.config";

/**
 * The console fits its window: at 1280×800 and at 390×844 no page is wider than the viewport
 * (document.documentElement.scrollWidth <= innerWidth), with a screenshot of each page in
 * test-results/layout/ (a soft assertion per page, naming the elements that stick out). The repository page is the hard case: many tags, tag names of 100+
 * characters, a signature and an SBOM; its artifact list fits 1280 px with no scroll box of its
 * own, row actions sit in a keyboard-operable row menu, and accessories are shown on and link
 * back to their subject. Pushed with skopeo from OCI layouts built in code.
 */

const DATABASE_URL = process.env.WHARF_E2E_DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/wharf_e2e";
const HOST = new URL(baseURL).host;
const suffix = randomBytes(3).toString("hex");
const PROJECT = `layout-${suffix}`;
const TARGET = `layout-copies-${suffix}`;
const REPO_PATH = "apps/web";
const REPOSITORY = `${PROJECT}/${REPO_PATH}`;
const LONG_TAG = `release-2026.12.05-build.1234567890-${"with-a-very-long-descriptive-suffix-".repeat(2)}${suffix}`;
const CREDS = `${ADMIN.username}:${ADMIN.password}`;
const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
] as const;

let db: pg.Client;
let tmp: string;
let projectId: number;
let adminId: number;
let image: OciImageResult;
let doomed: OciImageResult;
let signature: OciAccessoryResult;
let sbom: OciAccessoryResult;

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  test.setTimeout(240_000);
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-e2e-layout-"));
  db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  const project = await db.query<{ id: number }>(`INSERT INTO projects (name, is_public, updated_at) VALUES ($1, false, now()) RETURNING id`, [PROJECT]);
  projectId = project.rows[0]!.id;
  await db.query(`INSERT INTO projects (name, is_public, updated_at) VALUES ($1, false, now())`, [TARGET]);
  adminId = (await db.query<{ id: number }>(`SELECT id FROM users WHERE username = $1`, [ADMIN.username])).rows[0]!.id;

  // The subject: one image under many tags, one of them very long.
  image = await writeOciImageLayout(path.join(tmp, "web"), { tag: "1.0", files: { "srv/index.html": `layout ${suffix}\n` } });
  for (const tag of ["1.0", "1.0.1", "stable", "latest", "production-eu-west-1", LONG_TAG, "candidate"]) {
    await skopeoCopy(image.ref, `docker://${HOST}/${REPOSITORY}:${tag}`, { destCreds: CREDS });
  }
  // More artifacts, so the list has rows of different shapes (and one to delete from its menu).
  for (const n of [2, 3]) {
    const other = await writeOciImageLayout(path.join(tmp, `web-${n}`), { tag: `${n}.0`, architecture: "arm64", variant: "v8", files: { "srv/index.html": `v${n} ${suffix}\n` } });
    await skopeoCopy(other.ref, `docker://${HOST}/${REPOSITORY}:${n}.0`, { destCreds: CREDS });
    await skopeoCopy(other.ref, `docker://${HOST}/${REPOSITORY}:${LONG_TAG.slice(0, 60)}-${n}`, { destCreds: CREDS });
  }
  doomed = await writeOciImageLayout(path.join(tmp, "doomed"), { tag: "doomed", files: { "x.txt": `doomed ${suffix}\n` } });
  await skopeoCopy(doomed.ref, `docker://${HOST}/${REPOSITORY}:doomed`, { destCreds: CREDS });

  // A cosign-style signature (tag sha256-<hex>.sig; its config dated 0001-01-01 as cosign's is) ...
  signature = await writeOciAccessoryLayout(path.join(tmp, "sig"), {
    tag: "sig",
    config: "cosign",
    layer: {
      mediaType: "application/vnd.dev.cosign.simplesigning.v1+json",
      content: JSON.stringify({ critical: { identity: { "docker-reference": `${HOST}/${REPOSITORY}` }, image: { "docker-manifest-digest": image.manifestDigest }, type: "cosign container image signature" } }),
      annotations: { "dev.cosignproject.cosign/signature": "MEUCIQDlayouttest" },
    },
  });
  await skopeoCopy(signature.ref, `docker://${HOST}/${REPOSITORY}:sha256-${image.manifestDigest.slice("sha256:".length)}.sig`, { destCreds: CREDS });
  // ... and an SBOM as an OCI 1.1 referrer (its `subject` names the image).
  sbom = await writeOciAccessoryLayout(path.join(tmp, "sbom"), {
    tag: "sbom",
    config: "empty",
    artifactType: "application/spdx+json",
    subject: { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: image.manifestDigest, size: image.manifestSize },
    layer: { mediaType: "application/spdx+json", content: JSON.stringify({ spdxVersion: "SPDX-2.3", name: `web-${suffix}`, packages: [] }) },
  });
  await skopeoCopy(sbom.ref, `docker://${HOST}/${REPOSITORY}:sbom-${suffix}`, { destCreds: CREDS });
});

test.afterAll(async () => {
  await db?.end();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** The elements that stick out of the viewport and whose parent does not: where an overflow starts. */
async function overflowReport(page: Page): Promise<{ scrollWidth: number; innerWidth: number; offenders: string[] }> {
  return page.evaluate(() => {
    const width = window.innerWidth;
    const describe = (el: Element) =>
      `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${el.getAttribute("data-testid") ? `[data-testid=${el.getAttribute("data-testid")}]` : ""}.${String(el.getAttribute("class") ?? "")
        .split(/\s+/)
        .slice(0, 4)
        .join(".")} right=${Math.round(el.getBoundingClientRect().right)}`;
    const sticksOut = (el: Element) => el.getBoundingClientRect().right > width + 1;
    const offenders = [...document.body.querySelectorAll("*")]
      .filter((el) => sticksOut(el) && !(el.parentElement && sticksOut(el.parentElement)))
      .slice(0, 8)
      .map(describe);
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: width, offenders };
  });
}

async function expectFits(page: Page, name: string, width: number) {
  await page.screenshot({ path: path.join(test.info().project.outputDir, "layout", `${name}-${width}.png`), fullPage: true });
  const report = await overflowReport(page);
  expect.soft(report.scrollWidth, `${name} at ${width} px is ${report.scrollWidth} px wide; sticking out: ${report.offenders.join(" | ")}`).toBeLessThanOrEqual(report.innerWidth);
}

test("every console page fits the window at 1280 and at 390 px", async ({ page }) => {
  test.setTimeout(600_000);
  await signInAs(page, ADMIN.username, ADMIN.password);
  const repo = `/projects/${projectId}/repositories/${REPO_PATH}`;
  // The shared list (pages that need a registry endpoint, a replication run or a retention run are
  // left out: this file seeds none) plus this file's own hard cases.
  const pages: [string, string][] = [
    ...consolePages({ projectId, repoPath: REPO_PATH, reference: "1.0", projectName: PROJECT, userId: adminId }),
    ["artifact-long-tag", `${repo}/-/artifacts/${LONG_TAG}`],
    ["signature", `${repo}/-/artifacts/${signature.manifestDigest}`],
    ["sbom", `${repo}/-/artifacts/${sbom.manifestDigest}`],
  ];
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize(viewport);
    for (const [name, url] of pages) {
      const response = await page.goto(url);
      expect.soft(response?.status(), `${url}`).toBe(200);
      await expect(page.getByRole("main")).toBeVisible();
      await expectFits(page, name, viewport.width);
    }
  }
});

test("the artifact list fits 1280 px with no scroll box: secondary columns collapse, badges stay whole, actions in a row menu", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await signInAs(page, ADMIN.username, ADMIN.password);
  await page.goto(`/projects/${projectId}/repositories/${REPO_PATH}`);
  const table = page.getByTestId("artifacts-table");
  await expect(table).toBeVisible();
  // The table is no wider than its box: nothing to scroll sideways, every row's menu on screen.
  const { tableWidth, boxWidth } = await table.evaluate((el) => ({ tableWidth: el.scrollWidth, boxWidth: el.parentElement!.clientWidth }));
  expect(tableWidth).toBeLessThanOrEqual(boxWidth);
  const row = page.getByTestId(`artifact-${image.manifestDigest}`);
  const menuButton = row.getByRole("button", { name: `Actions for ${image.manifestDigest.slice(0, 19)}` });
  await menuButton.scrollIntoViewIfNeeded();
  await expect(menuButton).toBeInViewport({ ratio: 1 });
  // Secondary columns collapse: Pulled needs a wider table than 1280 px leaves.
  await expect(table.getByRole("columnheader", { name: "Pulled" })).toBeHidden();
  await expect(table.getByRole("columnheader", { name: "Pushed" })).toBeVisible();

  // Tags wrap as whole badges: the long one is one line, cut with an ellipsis, its full name in its title.
  const longBadge = row.locator(`[title="${LONG_TAG}"]`);
  await expect(longBadge).toBeVisible();
  const box = (await longBadge.boundingBox())!;
  expect(box.height).toBeLessThan(30);
  expect(box.width).toBeLessThanOrEqual(14 * 16 + 1);
  // (The row shows the five newest tags and "+2 more".)
  await expect(row).toContainText("+2 more");
  for (const tag of ["candidate", "production-eu-west-1"]) {
    const badge = row.locator(`[title="${tag}"]`);
    expect((await badge.boundingBox())!.height).toBeLessThan(30);
  }
  // The subject's row says it is signed and has an SBOM; the accessories are not rows of their own.
  await expect(row.getByTestId("accessory-badges")).toContainText("Signed");
  await expect(row.getByTestId("accessory-badges")).toContainText("SBOM");
  await expect(page.getByTestId(`artifact-${signature.manifestDigest}`)).toHaveCount(0);
  await expect(page.getByTestId(`artifact-${sbom.manifestDigest}`)).toHaveCount(0);

  // The row menu by keyboard: Enter opens it on its first item, arrows move, Escape closes and
  // gives focus back to the button.
  // (Enabled once the page is hydrated: a click before that would be lost.)
  await expect(menuButton).toBeEnabled();
  await menuButton.focus();
  await page.keyboard.press("Enter");
  const menu = page.getByRole("menu");
  await expect(menu).toBeVisible();
  await expect(menuButton).toHaveAttribute("aria-expanded", "true");
  await expect(menu.getByRole("menuitem", { name: /Copy docker pull command/ })).toBeFocused();
  await expect(menu).toContainText(`docker pull ${HOST}/${REPOSITORY}@${image.manifestDigest}`);
  await expect(menu).toContainText(`podman pull ${HOST}/${REPOSITORY}@${image.manifestDigest}`);
  await page.keyboard.press("ArrowDown");
  await expect(menu.getByRole("menuitem", { name: /Copy podman pull command/ })).toBeFocused();
  await page.keyboard.press("ArrowUp");
  await page.keyboard.press("ArrowUp");
  await expect(menu.getByRole("menuitem", { name: "Delete artifact…" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(menu).toBeHidden();
  await expect(menuButton).toBeFocused();
  await expect(menuButton).toHaveAttribute("aria-expanded", "false");

  // Delete from the menu: the shared confirmation dialog names what goes.
  const doomedRow = page.getByTestId(`artifact-${doomed.manifestDigest}`);
  const doomedMenu = doomedRow.getByRole("button", { name: /^Actions for/ });
  await expect(doomedMenu).toBeEnabled();
  await doomedMenu.focus();
  await page.keyboard.press("ArrowUp");
  await expect(page.getByRole("menuitem", { name: "Delete artifact…" })).toBeFocused();
  await page.keyboard.press("Enter");
  const confirm = page.getByRole("dialog");
  await expect(confirm).toContainText(`Delete artifact ${REPOSITORY}@${doomed.manifestDigest} and its 1 tag(s): doomed?`);
  await confirm.getByRole("button", { name: "Delete artifact" }).click();
  await expect(page.getByTestId("flash")).toContainText("Artifact deleted.");
  await expect(doomedRow).toHaveCount(0);
});

test("a signature's and an SBOM's pages link back to their subject, without image-only sections or year 0001", async ({ page }) => {
  await signInAs(page, ADMIN.username, ADMIN.password);
  const repo = `/projects/${projectId}/repositories/${REPO_PATH}`;
  for (const [accessory, kind] of [
    [signature, "Signature"],
    [sbom, "SBOM"],
  ] as const) {
    await page.goto(`${repo}/-/artifacts/${accessory.manifestDigest}`);
    const subject = page.getByTestId("accessory-subject");
    await expect(subject).toContainText(kind);
    await expect(subject.getByRole("link")).toContainText(`${REPOSITORY}@${image.manifestDigest.slice(0, 19)}`);
    await expect(page.getByTestId("layers-table")).toHaveCount(0);
    await expect(page.getByTestId("history-table")).toHaveCount(0);
    await expect(page.getByTestId("artifact-overview")).not.toContainText("OS / architecture");
    await expect(page.getByRole("main")).not.toContainText(/0001-01-01|\b0001\b/);
    await expect(page.getByRole("main")).not.toContainText("Invalid Date");
  }
  // The link leads to the subject, whose page lists both accessories.
  await page.getByTestId("accessory-subject").getByRole("link").click();
  await expect(page.getByTestId("artifact-digest")).toContainText(image.manifestDigest.slice(0, 19));
  await expect(page.getByTestId("accessories-table")).toContainText(signature.manifestDigest.slice(0, 19));
  await expect(page.getByTestId("accessories-table")).toContainText(sbom.manifestDigest.slice(0, 19));
});

test("copying from the row menu carries the signature and the SBOM along, and the form says so", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await signInAs(page, ADMIN.username, ADMIN.password);
  await page.goto(`/projects/${projectId}/repositories/${REPO_PATH}`);
  await page.getByTestId(`artifact-${image.manifestDigest}`).getByRole("button", { name: /^Actions for/ }).click();
  await page.getByRole("menuitem", { name: /Copy to another project/ }).click();
  const form = page.getByRole("form", { name: "Copy artifact" });
  await expect(form).toBeVisible();
  await expect(form.getByTestId("copy-accessories-note")).toContainText("2 accessories");
  await form.getByLabel("Target project").selectOption(TARGET);
  await form.getByLabel("Repository (new or existing)").fill("web");
  await form.getByLabel("Tag (optional)").fill("copied");
  await form.getByRole("button", { name: "Copy", exact: true }).click();
  await expect(page.getByTestId("copy-result")).toContainText(`${TARGET}/web:copied`);
  await page.getByTestId("copy-result").getByRole("link").click();
  await expect(page.getByTestId("accessories-table")).toContainText(signature.manifestDigest.slice(0, 19));
  await expect(page.getByTestId("accessories-table")).toContainText(sbom.manifestDigest.slice(0, 19));

  // Pulled from the destination with the registry's own tools: the signature's cosign tag came too.
  const sigTag = `sha256-${image.manifestDigest.slice("sha256:".length)}.sig`;
  await skopeoCopy(`docker://${HOST}/${TARGET}/web:${sigTag}`, `oci:${path.join(tmp, "pulled-sig")}:sig`, { srcCreds: CREDS });
});
