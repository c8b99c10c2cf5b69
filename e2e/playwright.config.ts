import { defineConfig } from "@playwright/test";

const PORT = Number(process.env.WHARF_E2E_PORT ?? 3100);
export const baseURL = `http://127.0.0.1:${PORT}`;
export const E2E_ADMIN_PASSWORD = "E2e-admin-Passw0rd";

export default defineConfig({
  testDir: ".",
  outputDir: "../test-results",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL,
    browserName: "chromium",
    headless: true,
    launchOptions: {
      // Debian's chromium (apt-get install chromium). Never `playwright install`.
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  // The real launcher against the production build: fresh e2e database, its own Distribution.
  webServer: {
    command: "node node_modules/tsx/dist/cli.mjs e2e/start-server.ts",
    cwd: "..",
    url: `${baseURL}/api/v2.0/ping`,
    reuseExistingServer: false,
    timeout: 120_000,
    gracefulShutdown: { signal: "SIGTERM", timeout: 10_000 },
    stdout: "pipe",
    stderr: "pipe",
    env: {
      PORT: String(PORT),
      DATABASE_URL: process.env.WHARF_E2E_DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/wharf_e2e",
      // One data dir (and so one registry and remembered registry port) per e2e port: two runs on
      // one machine (a local run beside CI's) do not share a registry.
      WHARF_DATA_DIR: process.env.WHARF_E2E_PORT ? `.wharf/e2e-${PORT}` : ".wharf/e2e",
      WHARF_ADMIN_PASSWORD: E2E_ADMIN_PASSWORD,
      WHARF_EXTERNAL_URL: baseURL,
      NEXTAUTH_URL: baseURL,
      NEXT_TELEMETRY_DISABLED: "1",
    },
  },
});
