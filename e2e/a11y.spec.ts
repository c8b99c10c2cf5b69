import AxeBuilder from "@axe-core/playwright";
import { type BrowserContext, expect, type Page, test } from "@playwright/test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { type ConsolePageIds, consolePages, seedConsoleData } from "../lib/testing/console-pages";
import { ADMIN, signIn, signInAs } from "./helpers";
import { baseURL } from "./playwright.config";

/**
 * Issue 16: axe-core over every console page (lib/testing/console-pages.ts, the list the layout walk
 * uses) and the sign-in page, with data on them (a pushed and scanned image, a robot, a user, a
 * registry endpoint, replication and retention runs), in the light and the dark theme: no serious
 * or critical violation (WCAG 2.x A and AA rules, colour contrast included). Then the theme itself
 * (the toggle, the cookie read on the server so the first byte is already dark, the system's
 * preference) and the narrow-screen sidebar behind its Menu button.
 */

const DATABASE_URL = process.env.WHARF_E2E_DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/wharf_e2e";
const THEMES = ["light", "dark"] as const;

let db: pg.Client;
let tmp: string;
let ids: ConsolePageIds;

test.beforeAll(async () => {
  test.setTimeout(300_000);
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-e2e-a11y-"));
  db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  ids = await seedConsoleData({ baseURL, admin: ADMIN, tmp, db });
});

test.afterAll(async () => {
  await db?.end();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function pinTheme(context: BrowserContext, theme: "light" | "dark") {
  await context.addCookies([{ name: "wharf-theme", value: theme, url: baseURL }]);
}

/** The page's background luminance (0 black .. 1 white), read from the body as painted. */
async function bodyLuminance(page: Page): Promise<number> {
  return page.evaluate(() => {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 1;
    const ctx = canvas.getContext("2d")!;
    ctx.fillStyle = getComputedStyle(document.body).backgroundColor;
    ctx.fillRect(0, 0, 1, 1);
    const [r, g, b] = ctx.getImageData(0, 0, 1, 1).data;
    return (0.2126 * r! + 0.7152 * g! + 0.0722 * b!) / 255;
  });
}

/** Serious and critical violations, one line each: the rule, its help and where. */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id} (${v.help}): ${v.nodes.slice(0, 5).map((n) => `${n.target.join(" ")}${n.failureSummary ? ` [${n.failureSummary.replace(/\s+/g, " ").slice(0, 160)}]` : ""}`).join(" | ")}`);
}

for (const theme of THEMES) {
  test(`every console page has no serious or critical axe violations, ${theme} theme`, async ({ page, context }) => {
    test.setTimeout(600_000);
    await pinTheme(context, theme);
    await page.emulateMedia({ colorScheme: theme });
    await signInAs(page, ADMIN.username, ADMIN.password);
    const pages = consolePages(ids);
    expect(pages.length).toBeGreaterThan(40);
    for (const [name, url] of pages) {
      const response = await page.goto(url);
      expect.soft(response?.status(), `${name}: ${url}`).toBe(200);
      await expect(page.getByRole("main")).toBeVisible();
      // The theme really is the one under test (the check would pass on the other theme otherwise).
      const luminance = await bodyLuminance(page);
      expect(theme === "dark" ? luminance < 0.2 : luminance > 0.9, `${name}: body luminance ${luminance.toFixed(2)} in the ${theme} theme`).toBe(true);
      if (name === "dashboard" || name === "project-summary") {
        // The charts arrive after hydration; the check runs over them too.
        await expect(page.locator(".recharts-surface").first()).toBeVisible();
      }
      await page.screenshot({ path: path.join(test.info().project.outputDir, "a11y", `${name}-${theme}.png`), fullPage: true });
      const violations = await seriousViolations(page);
      expect.soft(violations, `${name} (${url}), ${theme} theme`).toEqual([]);
    }
  });

  test(`the sign-in page has no serious or critical axe violations, ${theme} theme`, async ({ page, context }) => {
    await pinTheme(context, theme);
    await page.goto("/sign-in");
    await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
    // A wrong password: the error message too.
    await signIn(page, ADMIN.username, "Wrong-passw0rd-for-axe");
    await expect(page.getByTestId("sign-in-error")).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
  });
}

test("the theme toggle: dark at once, remembered in a cookie the server renders from (no flash), system follows the preference", async ({ page, context }) => {
  await page.emulateMedia({ colorScheme: "light" });
  await signInAs(page, ADMIN.username, ADMIN.password);
  const toggle = page.getByRole("group", { name: "Theme" });
  await expect(toggle.getByRole("button", { name: "System theme" })).toHaveAttribute("aria-pressed", "true");
  expect(await bodyLuminance(page)).toBeGreaterThan(0.9);

  await toggle.getByRole("button", { name: "Dark theme" }).click();
  await expect(toggle.getByRole("button", { name: "Dark theme" })).toHaveAttribute("aria-pressed", "true");
  await expect(page.locator("html")).toHaveClass("dark");
  expect(await bodyLuminance(page)).toBeLessThan(0.2);
  expect((await context.cookies()).find((c) => c.name === "wharf-theme")?.value).toBe("dark");

  // The server's first byte already says dark: the HTML as sent, before any script ran.
  const html = await (await page.request.get("/projects")).text();
  expect(html).toMatch(/<html[^>]*class="dark"/);
  await page.goto("/projects");
  expect(await bodyLuminance(page)).toBeLessThan(0.2);
  await expect(page.getByRole("group", { name: "Theme" }).getByRole("button", { name: "Dark theme" })).toHaveAttribute("aria-pressed", "true");

  // Light pinned stays light under a dark system preference.
  await page.emulateMedia({ colorScheme: "dark" });
  await page.getByRole("group", { name: "Theme" }).getByRole("button", { name: "Light theme" }).click();
  await expect(page.locator("html")).toHaveClass("light");
  expect(await bodyLuminance(page)).toBeGreaterThan(0.9);

  // System: the cookie goes, and the page follows the preference.
  await page.getByRole("group", { name: "Theme" }).getByRole("button", { name: "System theme" }).click();
  expect((await context.cookies()).find((c) => c.name === "wharf-theme")).toBeUndefined();
  expect(await bodyLuminance(page)).toBeLessThan(0.2);
  await page.emulateMedia({ colorScheme: "light" });
  expect(await bodyLuminance(page)).toBeGreaterThan(0.9);
  await page.reload();
  await expect(page.locator("html")).not.toHaveClass(/dark|light/);

  // The sign-in page has the toggle too, and follows the same cookie.
  await context.clearCookies();
  await pinTheme(context, "dark");
  await page.goto("/sign-in");
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  expect(await bodyLuminance(page)).toBeLessThan(0.2);
  await expect(page.getByRole("group", { name: "Theme" }).getByRole("button", { name: "Dark theme" })).toHaveAttribute("aria-pressed", "true");
});

test("at 390 px the navigation folds behind a Menu button: closed on load, opens and closes by keyboard, closes after navigating", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signInAs(page, ADMIN.username, ADMIN.password);
  const menu = page.getByRole("button", { name: "Menu" });
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  const controls = await menu.getAttribute("aria-controls");
  expect(controls).toBeTruthy();
  await expect(page.locator(`#${controls}`)).toBeHidden();
  await expect(nav).toBeHidden();

  // Enter opens it; its links are reachable with Tab; Escape closes it and focus returns to the button.
  await expect(menu).toBeEnabled();
  await menu.focus();
  await page.keyboard.press("Enter");
  await expect(menu).toHaveAttribute("aria-expanded", "true");
  await expect(nav).toBeVisible();
  await page.keyboard.press("Tab");
  await expect(nav.getByRole("link", { name: "Dashboard" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(nav).toBeHidden();
  await expect(menu).toBeFocused();
  await expect(menu).toHaveAttribute("aria-expanded", "false");

  // A followed link closes it.
  await menu.click();
  await nav.getByRole("link", { name: "Users" }).click();
  await expect(page).toHaveURL(/\/admin\/users$/);
  await expect(page.getByRole("heading", { name: "Users", level: 1 })).toBeVisible();
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(nav).toBeHidden();
  // Open, with its items, it has no serious or critical violations either.
  await menu.click();
  await expect(nav.getByRole("link", { name: "Users" })).toHaveAttribute("aria-current", "page");
  expect(await seriousViolations(page)).toEqual([]);

  // From md up there is no Menu button: the navigation is always beside the page.
  await page.setViewportSize({ width: 1280, height: 800 });
  await expect(menu).toBeHidden();
  await expect(nav).toBeVisible();
});
