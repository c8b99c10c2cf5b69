/**
 * First-load JavaScript per page (issue 16: "under 150 KB per route", gzip). Measured in the
 * browser, not read from the build's manifests: after seeding what every page shows
 * (lib/testing/console-pages.ts), Debian's Chromium opens each console page, and the sign-in page,
 * in a fresh browser context (empty cache; the admin's session cookie only), waits for the network
 * to go quiet (so next/dynamic chunks fetched after hydration, such as the dashboard's charts,
 * count too), and takes every script response it saw. Each script's bytes are gzipped here (zlib
 * level 6, what Next's `compress` sends), so the figure does not depend on what the server or a
 * proxy chose; the bytes the browser actually received are printed beside it as a check.
 * "initial" is what the HTML's own <script src> tags load, "later" what the page fetched after.
 */
import { type Browser, type BrowserContext, chromium, type Response as BrowserResponse } from "@playwright/test";
import { gzipSync } from "node:zlib";
import { consolePages, seedConsoleData } from "../testing/console-pages";
import { BENCH_ADMIN_PASSWORD, type BenchContext } from "./run";

const GOAL_KB = 150;
const KB = 1024;

type Script = { url: string; raw: number; gzip: number; transfer: number; initial: boolean };

export async function run({ wharfUrl, tmp, db }: BenchContext): Promise<void> {
  const admin = { username: "admin", password: BENCH_ADMIN_PASSWORD };
  console.log("\nSeeding a project, an image (pushed and scanned), a robot, a user, a registry endpoint, replication and retention runs ...");
  const ids = await seedConsoleData({ baseURL: wharfUrl, admin, tmp, db });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
  try {
    const signIn = await browser.newContext({ baseURL: wharfUrl });
    const page = await signIn.newPage();
    await page.goto("/sign-in");
    await page.getByLabel("Username").fill(admin.username);
    await page.getByLabel("Password").fill(admin.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByTestId("signed-in-user").waitFor();
    const storageState = await signIn.storageState();
    await signIn.close();

    const targets: [string, string, boolean][] = [["sign-in", "/sign-in", false], ...consolePages(ids).map(([name, url]): [string, string, boolean] => [name, url, true])];
    const results: { name: string; url: string; scripts: Script[] }[] = [];
    for (const [name, url, signedIn] of targets) {
      results.push({ name, url, scripts: await measure(browser, wharfUrl, url, signedIn ? storageState : undefined) });
    }
    report(results);
  } finally {
    await browser.close();
  }
}

type StorageState = Awaited<ReturnType<BrowserContext["storageState"]>>;

async function measure(browser: Browser, baseURL: string, url: string, storageState: StorageState | undefined): Promise<Script[]> {
  const context = await browser.newContext({ baseURL, storageState, viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    const responses: BrowserResponse[] = [];
    page.on("response", (response) => {
      if (response.request().resourceType() === "script") responses.push(response);
    });
    const main = await page.goto(url, { waitUntil: "networkidle" });
    if (!main || main.status() !== 200) throw new Error(`${url} answered ${main?.status() ?? "nothing"}`);
    if (new URL(page.url()).pathname !== new URL(url, baseURL).pathname) throw new Error(`${url} ended at ${page.url()}`);
    const html = await main.text();
    const initial = new Set([...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => new URL(m[1]!.replaceAll("&amp;", "&"), baseURL).pathname));
    const seen = new Map<string, Script>();
    for (const response of responses) {
      const path = new URL(response.url()).pathname;
      if (seen.has(path) || response.status() !== 200) continue;
      const body = await response.body();
      const sizes = await response.request().sizes();
      seen.set(path, { url: path, raw: body.length, gzip: gzipSync(body, { level: 6 }).length, transfer: sizes.responseBodySize, initial: initial.has(path) });
    }
    return [...seen.values()];
  } finally {
    await context.close();
  }
}

function report(results: { name: string; url: string; scripts: Script[] }[]): void {
  const kb = (bytes: number) => (bytes / KB).toFixed(1);
  const sum = (scripts: Script[], key: "raw" | "gzip" | "transfer") => scripts.reduce((n, s) => n + s[key], 0);
  // Shared by every page: the framework, React and the console shell (the layout's client components).
  const shared = results.map((r) => new Set(r.scripts.map((s) => s.url))).reduce((a, b) => new Set([...a].filter((u) => b.has(u))));
  const sharedScripts = results[0]!.scripts.filter((s) => shared.has(s.url));
  // The goal is judged on "initial", what Next calls First Load JS: what a page needs before it is
  // interactive. "later" (the dashboard's charts, fetched once the page is interactive) is shown
  // beside it and in the total, not hidden.
  console.log(`\nFirst-load JavaScript per page, KB (1024 bytes), gzip level 6; goal: initial < ${GOAL_KB} KB\n`);
  console.log(`shared by every page: ${shared.size} scripts, ${kb(sum(sharedScripts, "gzip"))} KB gzip (${kb(sum(sharedScripts, "raw"))} KB raw)\n`);
  console.log("page                           scripts  initial gz   later gz   total gz    raw     sent   goal");
  let over = 0;
  for (const { name, scripts } of results) {
    const total = sum(scripts, "gzip");
    const initial = sum(scripts.filter((s) => s.initial), "gzip");
    if (initial > GOAL_KB * KB) over++;
    console.log(
      `${name.padEnd(31)}${String(scripts.length).padStart(7)}${kb(initial).padStart(12)}${kb(total - initial).padStart(11)}${kb(total).padStart(11)}${kb(sum(scripts, "raw")).padStart(8)}${kb(sum(scripts, "transfer")).padStart(9)}   ${initial > GOAL_KB * KB ? "OVER" : "ok"}`,
    );
  }
  const largest = results.reduce((a, b) => (sum(b.scripts, "gzip") > sum(a.scripts, "gzip") ? b : a));
  console.log(`\nLargest: ${largest.name} (${largest.url}), ${kb(sum(largest.scripts, "gzip"))} KB. Pages over ${GOAL_KB} KB initial: ${over} of ${results.length}.`);
  console.log("Its scripts, largest first:");
  for (const s of [...largest.scripts].sort((a, b) => b.gzip - a.gzip).slice(0, 12)) {
    console.log(`  ${kb(s.gzip).padStart(7)} KB  ${s.initial ? "initial" : "later  "}  ${s.url}`);
  }
}
