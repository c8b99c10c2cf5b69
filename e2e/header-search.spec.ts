import { expect, type Page, test } from "@playwright/test";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { ADMIN, createUserThroughUi, signInAs, signOut, uniqueUsername, USER_PASSWORD } from "./helpers";

/**
 * The header search (issue 16, item 8): "/" or Ctrl+K focuses it, suggestions list projects and
 * repositories the user may see, arrows and Enter open one, Enter with none chosen opens /search
 * with every match paged, and it fits a 390 px window behind an icon button. Projects and
 * repositories are written straight to Postgres: how they came to exist is not under test.
 */

const DATABASE_URL = process.env.WHARF_E2E_DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/wharf_e2e";
const suffix = randomBytes(3).toString("hex");
// Every name below contains TOKEN and nothing else in the database does.
const TOKEN = `hs-${suffix}`;
const SECRET = `${TOKEN}-secret`;
const OPEN = `${TOKEN}-open`;
const USER = uniqueUsername("hs-outsider");

let db: pg.Client;
let secretId: number;
let openId: number;

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  const project = async (name: string, isPublic: boolean) =>
    (await db.query<{ id: number }>(`INSERT INTO projects (name, is_public, updated_at) VALUES ($1, $2, now()) RETURNING id`, [name, isPublic])).rows[0]!.id;
  secretId = await project(SECRET, false);
  openId = await project(OPEN, true);
  for (const [projectId, name] of [[secretId, `${SECRET}/app`], [openId, `${OPEN}/web`]] as const) {
    await db.query(`INSERT INTO repositories (project_id, name, artifact_count, updated_at) VALUES ($1, $2, 0, now())`, [projectId, name]);
  }
});

test.afterAll(async () => {
  await db?.end();
});

const input = (page: Page) => page.getByRole("combobox", { name: "Search projects and repositories" });
const listbox = (page: Page) => page.getByRole("listbox", { name: "Search suggestions" });

/**
 * Presses a shortcut until the search has focus: a key pressed before the page hydrated reaches no
 * listener. Retried only while the box is not focused, so the key is never typed into it.
 */
async function shortcut(page: Page, key: string) {
  await expect(async () => {
    await page.keyboard.press(key);
    await expect(input(page)).toBeFocused({ timeout: 500 });
  }).toPass({ timeout: 10_000 });
}

test("/ focuses the search; part of a project's name suggests it; ArrowDown and Enter open it", async ({ page }) => {
  await signInAs(page, ADMIN.username, ADMIN.password);
  await expect(input(page)).not.toBeFocused();
  await shortcut(page, "/");
  // The shortcut key itself is not typed into the box.
  await expect(input(page)).toHaveValue("");

  await page.keyboard.type(`${suffix}-secr`);
  const options = listbox(page).getByRole("option");
  // The project first, then its repository (both contain the text).
  await expect(options).toHaveCount(2);
  await expect(options.nth(0)).toContainText(SECRET);
  await expect(options.nth(0)).toContainText("Private project");
  await expect(options.nth(1)).toContainText(`${SECRET}/app`);
  await expect(input(page)).toHaveAttribute("aria-expanded", "true");
  await expect(input(page)).not.toHaveAttribute("aria-activedescendant", /./);

  await page.keyboard.press("ArrowDown");
  const first = await options.nth(0).getAttribute("id");
  await expect(input(page)).toHaveAttribute("aria-activedescendant", first!);
  await expect(options.nth(0)).toHaveAttribute("aria-selected", "true");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/projects/${secretId}$`));
  await expect(page.getByRole("heading", { level: 1, name: SECRET })).toBeVisible();
});

test("the second option opens the repository; Escape closes the list; no match says so", async ({ page }) => {
  await signInAs(page, ADMIN.username, ADMIN.password);
  await shortcut(page, "/");
  await page.keyboard.type(`${suffix}-secr`);
  await expect(listbox(page).getByRole("option")).toHaveCount(2);
  await page.keyboard.press("Escape");
  await expect(listbox(page)).toBeHidden();
  await expect(input(page)).toHaveAttribute("aria-expanded", "false");
  // A second Escape empties the box.
  await page.keyboard.press("Escape");
  await expect(input(page)).toHaveValue("");

  await page.keyboard.type(`${TOKEN}-nothing-like-this`);
  await expect(page.getByRole("status").filter({ hasText: "No projects or repositories match" })).toBeVisible();
  await expect(listbox(page)).toBeHidden();

  await input(page).fill(`${suffix}-secr`);
  await expect(listbox(page).getByRole("option")).toHaveCount(2);
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/projects/${secretId}/repositories/app$`));
});

test("Ctrl+K focuses the search from anywhere but another field; / typed in a field stays there", async ({ page }) => {
  await signInAs(page, ADMIN.username, ADMIN.password);
  await page.goto("/projects");
  await shortcut(page, "Control+k");
  await input(page).blur();
  await page.keyboard.press("Meta+k");
  await expect(input(page)).toBeFocused();

  // The project list's own filter: "/" and Ctrl+K belong to it while it is being typed in.
  const filter = page.getByLabel("Search projects", { exact: true });
  await filter.click();
  await page.keyboard.type("a/b");
  await expect(filter).toHaveValue("a/b");
  await page.keyboard.press("Control+k");
  await expect(filter).toBeFocused();
  await expect(input(page)).not.toBeFocused();
});

test("Enter with no suggestion chosen opens the full results, paged, one kind at a time", async ({ page }) => {
  await signInAs(page, ADMIN.username, ADMIN.password);
  await shortcut(page, "/");
  await page.keyboard.type(TOKEN);
  await expect(listbox(page).getByRole("option")).toHaveCount(4);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/search\\?q=${TOKEN}$`));
  await expect(page.getByRole("heading", { level: 1, name: "Search" })).toBeVisible();
  await expect(page.getByTestId("search-kind-projects")).toHaveText("Projects (2)");
  await expect(page.getByTestId("search-kind-repositories")).toHaveText("Repositories (2)");
  await expect(page.getByTestId("search-projects").getByRole("link")).toHaveText([OPEN, SECRET]);

  await page.getByTestId("search-kind-repositories").click();
  await expect(page.getByTestId("search-repositories").locator("tbody tr td:first-child")).toHaveText([`${OPEN}/web`, `${SECRET}/app`]);

  // One per page: the second page holds the second match, in name order.
  await page.goto(`/search?q=${TOKEN}&kind=repositories&pageSize=1&page=2`);
  await expect(page.getByTestId("search-repositories").locator("tbody tr td:first-child")).toHaveText([`${SECRET}/app`]);
  await expect(page.getByRole("navigation", { name: "Pagination" })).toContainText("2–2 of 2");
  await page.getByRole("link", { name: "Previous" }).click();
  await expect(page.getByTestId("search-repositories").locator("tbody tr td:first-child")).toHaveText([`${OPEN}/web`]);
});

test("a user who is not a member of a private project is never shown it or its repositories", async ({ page }) => {
  await signInAs(page, ADMIN.username, ADMIN.password);
  await createUserThroughUi(page, USER);
  await signOut(page);
  await signInAs(page, USER, USER_PASSWORD);

  await shortcut(page, "/");
  await page.keyboard.type(TOKEN);
  const options = listbox(page).getByRole("option");
  // Only the public project and its repository.
  await expect(options).toHaveCount(2);
  await expect(options.nth(0)).toContainText(OPEN);
  await expect(options.nth(1)).toContainText(`${OPEN}/web`);
  await expect(options.nth(0)).toHaveAttribute("href", `/projects/${openId}`);
  await expect(listbox(page)).not.toContainText(SECRET);

  // Typing the private project's exact name finds nothing at all.
  await input(page).fill(SECRET);
  await expect(page.getByRole("status").filter({ hasText: "No projects or repositories match" })).toBeVisible();

  await page.goto(`/search?q=${TOKEN}`);
  await expect(page.getByTestId("search-kind-projects")).toHaveText("Projects (1)");
  await expect(page.getByTestId("search-kind-repositories")).toHaveText("Repositories (1)");
  await expect(page.getByTestId("search-projects").getByRole("link")).toHaveText([OPEN]);
  await expect(page.locator("main")).not.toContainText(SECRET);
});

test("at 390 px an icon button opens the search, and the header still fits the window", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signInAs(page, ADMIN.username, ADMIN.password);
  await expect(input(page)).toBeHidden();
  await page.getByRole("button", { name: "Search projects and repositories" }).click();
  await expect(input(page)).toBeVisible();
  await expect(input(page)).toBeFocused();
  await page.keyboard.type(`${suffix}-secr`);
  await expect(listbox(page).getByRole("option")).toHaveCount(2);
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
  expect(scrollWidth, `the page is ${scrollWidth} px wide in a ${innerWidth} px window`).toBeLessThanOrEqual(innerWidth);
  const box = await listbox(page).boundingBox();
  expect(box!.x + box!.width).toBeLessThanOrEqual(innerWidth);

  // At 1280 px the box itself is in the header, no button needed.
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.reload();
  await expect(input(page)).toBeVisible();
  await expect(page.getByRole("button", { name: "Search projects and repositories" })).toBeHidden();
});
