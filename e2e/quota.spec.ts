import { expect, test } from "@playwright/test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { skopeoCopy, writeOciImageLayout } from "../lib/testing/oci-layout";
import { ADMIN, signInAs, uniqueUsername } from "./helpers";
import { baseURL } from "./playwright.config";

/*
 * Project quotas in the console: an administrator sets a project's storage limit on its
 * Configuration tab (a bad value keeps its field error and what was typed, nothing saved), then
 * sees the usage against the limit as a named progressbar on the Summary, the projects list and
 * the Storage tab after a push through Wharf; a push over the limit is refused by the registry.
 */
test("an administrator sets a project's storage limit and sees usage against it; a bad limit keeps its field error", async ({ page }) => {
  const name = uniqueUsername("quota");
  await signInAs(page, ADMIN.username, ADMIN.password);
  await page.goto("/projects/new");
  await page.getByLabel("Project name").fill(name);
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  const projectPath = new URL(page.url()).pathname;

  await page.goto(`${projectPath}/configuration`);
  const limit = page.getByLabel("Storage limit");
  await limit.fill("lots");
  await page.getByRole("button", { name: "Save limit" }).click();
  await expect(page.getByTestId("error-storageLimit")).toHaveText("Enter -1 (unlimited) or a size of 0 or more");
  await expect(limit).toHaveValue("lots");
  await expect(limit).toHaveAttribute("aria-invalid", "true");
  await page.reload();
  await expect(page.getByLabel("Storage limit")).toHaveValue("-1"); // nothing was saved

  await page.getByLabel("Storage limit").fill("1");
  await page.getByLabel("Unit").selectOption("MiB");
  await page.getByRole("button", { name: "Save limit" }).click();
  await expect(page.getByText("Storage limit saved.")).toBeVisible();

  // A push within the limit, then the bar shows it.
  const host = new URL(baseURL).host;
  const tmp = await mkdtemp(path.join(tmpdir(), "wharf-e2e-quota-"));
  try {
    const small = await writeOciImageLayout(path.join(tmp, "small"), { tag: "1.0", extraBytes: 20_000 });
    await skopeoCopy(small.ref, `docker://${host}/${name}/app:1.0`, { destCreds: `${ADMIN.username}:${ADMIN.password}` });
    const big = await writeOciImageLayout(path.join(tmp, "big"), { tag: "2.0", extraBytes: 2_000_000 });
    await expect(skopeoCopy(big.ref, `docker://${host}/${name}/app:2.0`, { destCreds: `${ADMIN.username}:${ADMIN.password}` })).rejects.toThrow(
      new RegExp(`quota exceeded: project ${name} uses .* of its 1.00 MiB storage limit`),
    );
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }

  await page.goto(projectPath);
  const bar = page.getByRole("progressbar", { name: `Storage used by ${name}` });
  await expect(bar).toBeVisible();
  await expect(bar).toHaveAttribute("aria-valuetext", /^[\d.]+ KiB of 1.00 MiB \([\d.]+%\)$/);
  expect(Number(await bar.getAttribute("aria-valuenow"))).toBeGreaterThan(0);

  await page.goto(`/projects?q=${name}`);
  await expect(page.getByRole("progressbar", { name: `Storage used by ${name}` })).toBeVisible();

  await page.goto(`${projectPath}/storage`);
  await expect(page.getByTestId("storage-repositories")).toContainText(`${name}/app`);
});
