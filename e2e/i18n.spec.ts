import { type Browser, expect, type Page, test } from "@playwright/test";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { hashPassword } from "../lib/auth/password";
import { type OciImageResult, skopeoCopy, writeOciImageLayout } from "../lib/testing/oci-layout";
import { ADMIN, uniqueUsername, USER_PASSWORD } from "./helpers";
import { baseURL } from "./playwright.config";

/*
 * English and Simplified Chinese (issue 16.10): a user switches to 简体中文 on their account page,
 * sees Chinese across the console, keeps it after signing out and in another browser (stored on
 * the account, not only in a cookie), switches back, and each change is one audit row. Times are
 * one format (UTC, 24-hour) in the audit table and its filter.
 */

const adminAuth = `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString("base64")}`;

async function signInWith(page: Page, labels: { username: string; password: string; submit: string }, username: string) {
  await page.getByLabel(labels.username, { exact: true }).fill(username);
  await page.getByLabel(labels.password, { exact: true }).fill(USER_PASSWORD);
  await page.getByRole("button", { name: labels.submit, exact: true }).click();
  await expect(page.getByTestId("signed-in-user")).toHaveText(username);
}
const EN = { username: "Username", password: "Password", submit: "Sign in" };
const ZH = { username: "用户名", password: "密码", submit: "登录" };

async function localeRows(page: Page, username: string) {
  const res = await page.request.get(`/api/v2.0/audit-logs?q=${encodeURIComponent(`username=${username},operation=user.set_locale`)}`, {
    headers: { Authorization: adminAuth },
  });
  expect(res.status()).toBe(200);
  return (await res.json()) as { username: string; action: string; resource: string; result: string; detail: { before: string | null; after: string } }[];
}

async function freshPage(browser: Browser, locale = "en-US") {
  const context = await browser.newContext({ locale });
  return { context, page: await context.newPage() };
}

test("a user switches the console to 简体中文, keeps it across sign-ins and browsers, and switches back", async ({ page, browser }) => {
  // Three browsers and a dozen pages: more than the default minute on a loaded machine.
  test.setTimeout(150_000);
  // A new administrator of their own, so the shared admin's language never changes for other specs.
  const username = uniqueUsername("zh");
  const project = uniqueUsername("i18n");
  const created = await page.request.post("/api/v2.0/users", {
    headers: { Authorization: adminAuth },
    data: { username, email: `${username}@example.test`, realname: "I18n Tester", password: USER_PASSWORD },
  });
  expect(created.status()).toBe(201);
  const users = (await (await page.request.get(`/api/v2.0/users/search?username=${username}`, { headers: { Authorization: adminAuth } })).json()) as { user_id: number; username: string }[];
  const userId = users.find((u) => u.username === username)!.user_id;
  expect((await page.request.put(`/api/v2.0/users/${userId}/sysadmin`, { headers: { Authorization: adminAuth }, data: { sysadmin_flag: true } })).status()).toBe(200);
  expect((await page.request.post("/api/v2.0/projects", { headers: { Authorization: adminAuth }, data: { project_name: project } })).status()).toBe(201);

  await page.goto("/sign-in");
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await signInWith(page, EN, username);
  await expect(page.getByRole("heading", { name: "Dashboard", level: 1 })).toBeVisible();

  // Switch on the account page.
  await page.getByTestId("signed-in-user").click();
  await expect(page.getByRole("heading", { name: "Your account", level: 1 })).toBeVisible();
  await page.getByLabel("Console language").selectOption("zh-CN");
  await page.getByRole("button", { name: "Save language" }).click();
  await expect(page.getByRole("heading", { name: "我的账户", level: 1 })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
  await expect(page.getByLabel("控制台语言")).toHaveValue("zh-CN");

  // Chinese on the dashboard, the projects list, a project's repositories, the audit log and administration.
  const nav = page.getByRole("navigation", { name: "主导航" });
  await nav.getByRole("link", { name: "仪表盘" }).click();
  await expect(page.getByRole("heading", { name: "仪表盘", level: 1 })).toBeVisible();
  await expect(page.getByText("拉取最多的仓库")).toBeVisible();
  await expect(page).toHaveTitle("仪表盘 · Wharf");

  await nav.getByRole("link", { name: "项目" }).click();
  await expect(page.getByRole("heading", { name: "项目", level: 1 })).toBeVisible();
  await page.getByLabel("搜索项目", { exact: true }).fill(project);
  await expect(page).toHaveURL(new RegExp(`q=${project}`));
  await expect(page.getByTestId("projects-table").getByRole("columnheader", { name: "访问级别" })).toBeVisible();
  await page.getByTestId("projects-table").getByRole("link", { name: project }).click();
  await page.getByRole("navigation", { name: "项目" }).getByRole("link", { name: "镜像仓库" }).click();
  await expect(page.getByText("还没有仓库。推送一个镜像即可创建（见摘要页）。")).toBeVisible();
  await expect(page).toHaveTitle(`${project} · 镜像仓库 · Wharf`);

  await expect(nav.getByRole("heading", { name: "系统管理" })).toBeVisible();
  await nav.getByRole("link", { name: "用户管理" }).click();
  await expect(page.getByRole("heading", { name: "用户", level: 1 })).toBeVisible();
  await expect(page.getByTestId("users-table").getByRole("columnheader", { name: "用户名" })).toBeVisible();

  // The audit log, with the change's own row; its time in the one format, which the filter takes as it is.
  await nav.getByRole("link", { name: "日志" }).click();
  await expect(page.getByRole("heading", { name: "日志", level: 1 })).toBeVisible();
  const filter = page.getByTestId("audit-filter");
  await filter.getByLabel("用户", { exact: true }).fill(username);
  await filter.getByLabel("操作", { exact: true }).fill("user.set_locale");
  await filter.getByRole("button", { name: "筛选" }).click();
  const table = page.getByTestId("audit-table");
  await expect(table.locator("thead th").nth(1)).toHaveText("时间 (UTC)");
  await expect(table.locator("tbody tr")).toHaveCount(1);
  await expect(table.locator("tbody tr").first()).toContainText("成功");
  const time = (await table.locator("tbody tr time").first().textContent())!;
  expect(time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  const from = filter.getByLabel("开始时间 (UTC)");
  await expect(from).toHaveAttribute("placeholder", "YYYY-MM-DD HH:mm:ss");
  await from.fill(time);
  await filter.getByRole("button", { name: "筛选" }).click();
  await expect(table.locator("tbody tr")).toHaveCount(1);
  await expect(page.getByTestId("audit-filter").getByLabel("开始时间 (UTC)")).toHaveValue(time);
  // A URL's ISO time is shown in the same format.
  await page.goto(`/admin/audit-log?user=${username}&from=${encodeURIComponent(`${time.replace(" ", "T")}Z`)}`);
  await expect(page.getByTestId("audit-filter").getByLabel("开始时间 (UTC)")).toHaveValue(time);
  // A form error in Chinese (translated from the schema's English message).
  await page.goto(`/admin/audit-log?from=yesterday`);
  await expect(page.getByTestId("error-from")).toHaveText("UTC 日期和时间，例如 2026-01-31 13:45:00");

  // Signing out and in again: the sign-in page remembers the language in this browser.
  await page.getByRole("button", { name: "退出登录" }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  await expect(page.getByRole("heading", { name: "登录 Wharf" })).toBeVisible();
  await signInWith(page, ZH, username);
  await expect(page.getByRole("heading", { name: "仪表盘", level: 1 })).toBeVisible();

  // Another browser (English, no cookie): the sign-in page is English, the console Chinese once signed in.
  const other = await freshPage(browser);
  await other.page.goto("/sign-in");
  await expect(other.page.getByRole("heading", { name: "Sign in to Wharf" })).toBeVisible();
  await signInWith(other.page, EN, username);
  await expect(other.page.getByRole("heading", { name: "仪表盘", level: 1 })).toBeVisible();
  await other.context.close();

  // Switch back.
  await page.goto("/account");
  await page.getByLabel("控制台语言").selectOption("en");
  await page.getByRole("button", { name: "保存语言" }).click();
  await expect(page.getByRole("heading", { name: "Your account", level: 1 })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");

  // One audit row per change, with the languages before and after.
  const rows = await localeRows(page, username);
  expect(rows.map((r) => [r.action, r.result, r.resource, r.detail.before, r.detail.after])).toEqual([
    ["user.set_locale", "success", username, "zh-CN", "en"],
    ["user.set_locale", "success", username, null, "zh-CN"],
  ]);
});

test("before signing in: the browser's language, and the sign-in page's own switcher", async ({ browser }) => {
  const chinese = await freshPage(browser, "zh-CN");
  await chinese.page.goto("/sign-in");
  await expect(chinese.page.getByRole("heading", { name: "登录 Wharf" })).toBeVisible();
  await expect(chinese.page).toHaveTitle("登录 · Wharf");
  await chinese.page.getByRole("button", { name: "登录", exact: true }).click();
  await expect(chinese.page.getByTestId("sign-in-error")).toHaveText("请输入用户名和密码。");
  await chinese.context.close();

  const english = await freshPage(browser);
  await english.page.goto("/sign-in");
  await expect(english.page.getByRole("heading", { name: "Sign in to Wharf" })).toBeVisible();
  await english.page.getByLabel("Language").selectOption("zh-CN");
  await expect(english.page.getByRole("heading", { name: "登录 Wharf" })).toBeVisible();
  // A page that does not exist, in the chosen language too.
  await english.page.goto("/no-such-page");
  await expect(english.page.getByTestId("not-found")).toContainText("未找到");
  await english.page.goto("/sign-in");
  await english.page.getByLabel("语言").selectOption("en");
  await expect(english.page.getByRole("heading", { name: "Sign in to Wharf" })).toBeVisible();
  await english.context.close();
});

/*
 * The pages translated last (issue 16.10, second part): a project's robot accounts, an artifact's
 * page, replications and scanners, for a user whose stored language is 简体中文. Their headings
 * and buttons are Chinese, with no English left (names, digests and product words aside).
 */
test.describe("the remaining pages in 简体中文", () => {
  const DATABASE_URL = process.env.WHARF_E2E_DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/wharf_e2e";
  const suffix = randomBytes(3).toString("hex");
  const USER = `zhadmin-${suffix}`;
  const PROJECT = `zh-${suffix}`;
  let db: pg.Client;
  let tmp: string;
  let projectId: number;
  let image: OciImageResult;

  test.describe.configure({ mode: "serial" });

  test.beforeAll(async () => {
    test.setTimeout(180_000);
    tmp = await mkdtemp(path.join(tmpdir(), "wharf-e2e-i18n-"));
    db = new pg.Client({ connectionString: DATABASE_URL });
    await db.connect();
    await db.query(`INSERT INTO users (username, email, full_name, password_hash, is_admin, locale, updated_at) VALUES ($1, $2, $3, $4, true, 'zh-CN', now())`, [
      USER,
      `${USER}@example.test`,
      `E2E ${USER}`,
      await hashPassword(USER_PASSWORD),
    ]);
    projectId = (await db.query<{ id: number }>(`INSERT INTO projects (name, is_public, updated_at) VALUES ($1, false, now()) RETURNING id`, [PROJECT])).rows[0]!.id;
    image = await writeOciImageLayout(path.join(tmp, "img"), { tag: "1.0", files: { "etc/zh.txt": `${suffix}\n` } });
    await skopeoCopy(image.ref, `docker://${new URL(baseURL).host}/${PROJECT}/app:1.0`, { destCreds: `${USER}:${USER_PASSWORD}` });
  });

  test.afterAll(async () => {
    await db?.end();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  /** The main area's headings and buttons, less names and codes: nothing English may be left. */
  async function expectNoEnglish(page: Page, names: string[] = []) {
    const main = page.getByRole("main");
    const texts = [...(await main.getByRole("heading").allInnerTexts()), ...(await main.getByRole("button").allInnerTexts())];
    expect(texts.length).toBeGreaterThan(0);
    const KEEP = ["Wharf", "SBOM", "CI", "CVE", "UTC", "docker", "podman", "cron", "Trivy", "OSV", PROJECT, USER, ...names];
    const left = texts
      .map((t) => KEEP.reduce((s, k) => s.split(k).join(" "), t).replace(/sha256:[0-9a-f]+/g, " "))
      .filter((t) => /[A-Za-z]{2,}/.test(t));
    expect(left).toEqual([]);
  }

  test("a project's robot accounts: the form, the new robot's secret and its row", async ({ page }) => {
    await page.goto("/sign-in");
    await signInWith(page, EN, USER);
    await page.goto(`/projects/${projectId}/robots`);
    await expect(page).toHaveTitle(`${PROJECT} · 机器人账户 · Wharf`);
    await expect(page.getByRole("heading", { name: "新建机器人账户" })).toBeVisible();
    await expect(page.getByTestId("robots-table").getByRole("columnheader", { name: "过期时间" })).toBeVisible();
    await expect(page.getByText("没有机器人账户。")).toBeVisible();
    await expectNoEnglish(page);
    await page.getByLabel("名称", { exact: true }).fill("ci");
    await page.getByRole("button", { name: "创建机器人账户" }).click();
    await expect(page.getByText("请立即复制此令牌或导出到文件：它不会再次显示。")).toBeVisible();
    const row = page.getByTestId(`robot-robot$${PROJECT}+ci`);
    await expect(row.getByTestId("robot-expiry")).toHaveText("30 天后过期");
    await expect(row.getByRole("button", { name: "刷新令牌" })).toBeVisible();
    await expectNoEnglish(page, ["robot", "ci"]);
  });

  test("an artifact's page", async ({ page }) => {
    await page.goto("/sign-in");
    await signInWith(page, EN, USER);
    await page.goto(`/projects/${projectId}/repositories/app`);
    await expect(page.getByTestId("artifacts-table").getByRole("columnheader", { name: "推送时间" })).toBeVisible();
    await expect(page.getByText("← 仓库")).toBeVisible();
    await page.goto(`/projects/${projectId}/repositories/app/-/artifacts/${image.manifestDigest}`);
    await expect(page).toHaveTitle(`${PROJECT} · app · 制品 · Wharf`);
    for (const name of ["概览", "标签（1）", "漏洞", "构建历史", "附件（0）", "清单"]) await expect(page.getByRole("heading", { name, exact: true })).toBeVisible();
    await expect(page.getByTestId("artifact-overview")).toContainText("按摘要拉取");
    await expect(page.getByRole("button", { name: "添加标签" })).toBeVisible();
    await expectNoEnglish(page, ["app", "1.0"]);
  });

  test("replications and scanners (Interrogation services)", async ({ page }) => {
    await page.goto("/sign-in");
    await signInWith(page, EN, USER);
    await page.goto("/admin/replications");
    await expect(page.getByRole("heading", { name: "复制管理", level: 1 })).toBeVisible();
    await expect(page.getByTestId("replication-policies").getByRole("columnheader", { name: "触发方式" })).toBeVisible();
    await expect(page).toHaveTitle("复制管理 · Wharf");
    await expectNoEnglish(page);
    await page.getByRole("link", { name: "新建策略" }).click();
    await expect(page.getByRole("heading", { name: "新建复制策略", level: 1 })).toBeVisible();
    await expect(page.getByLabel("复制模式")).toBeVisible();
    await expect(page.getByRole("button", { name: "创建策略" })).toBeVisible();
    await expectNoEnglish(page);

    await page.goto("/admin/scanners");
    await expect(page.getByRole("heading", { name: "审查服务", level: 1 })).toBeVisible();
    await expect(page.getByTestId("scanners-table").getByRole("columnheader", { name: "健康状态" })).toBeVisible();
    await expect(page).toHaveTitle("审查服务 · Wharf");
    await expectNoEnglish(page);
    await page.getByRole("link", { name: "新建扫描器" }).click();
    await expect(page.getByRole("heading", { name: "新建扫描器", level: 1 })).toBeVisible();
    await expect(page.getByRole("button", { name: "测试连接" })).toBeVisible();
    await expectNoEnglish(page);
  });
});
