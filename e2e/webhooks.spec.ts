import { expect, test } from "@playwright/test";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { skopeoCopy, writeOciImageLayout } from "../lib/testing/oci-layout";
import { closeWebhookReceivers, startWebhookReceiver, type WebhookReceiver } from "../lib/testing/webhook-receiver";
import { ADMIN, signInAs } from "./helpers";
import { baseURL } from "./playwright.config";

/**
 * A project's webhooks in the console (issue 17 item 1), against the production build and a real
 * HTTP receiver started by the test: a URL that is not http(s) is refused at its field and nothing
 * is saved; the webhook is added; "Send test event" reaches the receiver once; a push through the
 * gateway reaches it once with Harbor's PUSH_ARTIFACT payload; the delivery log lists both as
 * delivered with the receiver's 200.
 */

const DATABASE_URL = process.env.WHARF_E2E_DATABASE_URL ?? "postgresql://postgres:postgres@127.0.0.1:5432/wharf_e2e";
const HOST = new URL(baseURL).host;
const suffix = randomBytes(3).toString("hex");
const PROJECT = `hooks-${suffix}`;
const HOOK = `ci-${suffix}`;

let db: pg.Client;
let tmp: string;
let projectId: number;
let receiver: WebhookReceiver;

test.beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "wharf-e2e-webhooks-"));
  db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  projectId = (await db.query<{ id: number }>(`INSERT INTO projects (name, is_public, updated_at) VALUES ($1, false, now()) RETURNING id`, [PROJECT])).rows[0]!.id;
  receiver = await startWebhookReceiver("ok");
});

test.afterAll(async () => {
  await closeWebhookReceivers();
  await db?.end();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** What the receiver got of one event type, waited for (deliveries go through the job queue). */
async function receivedOf(type: string, count: number): Promise<{ type: string; operator: string; event_data: Record<string, unknown> }[]> {
  const of = () => receiver.received.map((r) => r.body as { type: string; operator: string; event_data: Record<string, unknown> }).filter((b) => b.type === type);
  await expect.poll(() => of().length, { timeout: 30_000, message: `${type} deliveries at the receiver` }).toBe(count);
  return of();
}

test("a project admin adds a webhook, sends a test event and sees it and a push delivered in the log", async ({ page }) => {
  test.setTimeout(120_000);
  await signInAs(page, ADMIN.username, ADMIN.password);
  await page.goto(`/projects/${projectId}/webhooks`);
  await expect(page.getByTestId("webhooks-table")).toContainText("No webhooks.");

  const form = page.getByTestId("webhook-form");
  await form.getByLabel("Name").fill(HOOK);
  // type=url lets ftp:// through the browser's own check: the server must refuse it.
  await form.getByLabel("Endpoint URL").fill("ftp://127.0.0.1/hook");
  await form.getByRole("button", { name: "Add webhook" }).click();
  await expect(form.getByTestId("error-address")).toBeVisible();
  expect((await db.query(`SELECT 1 FROM webhook_policies WHERE project_id = $1`, [projectId])).rowCount).toBe(0);

  await form.getByLabel("Endpoint URL").fill(receiver.url);
  await form.getByLabel("Auth header").fill(`Bearer e2e-${suffix}`);
  await form.getByRole("button", { name: "Add webhook" }).click();
  await expect(form.getByRole("status")).toHaveText(`Webhook ${HOOK} created.`);
  const row = page.getByTestId("webhooks-table").getByRole("row", { name: new RegExp(HOOK) });
  await expect(row).toContainText(receiver.url);
  await expect(row).toContainText("Artifact pushed");

  await row.getByRole("button", { name: "Send test event" }).click();
  await expect(row.getByRole("status")).toContainText("Test event queued");
  const [testEvent] = await receivedOf("PUSH_ARTIFACT", 1);
  expect(receiver.received[0]!.headers.authorization).toBe(`Bearer e2e-${suffix}`);
  expect(testEvent!.event_data).toMatchObject({ repository: { namespace: PROJECT } });

  // A real push through the gateway: one more delivery, naming the pushed tag.
  const image = await writeOciImageLayout(path.join(tmp, "app"), { tag: "1.0", files: { "etc/hook.txt": `${suffix}\n` } });
  await skopeoCopy(image.ref, `docker://${HOST}/${PROJECT}/app:1.0`, { destCreds: `${ADMIN.username}:${ADMIN.password}` });
  const pushes = await receivedOf("PUSH_ARTIFACT", 2);
  expect(pushes[1]).toMatchObject({
    operator: ADMIN.username,
    event_data: { resources: [{ digest: image.manifestDigest, tag: "1.0" }], repository: { name: "app", namespace: PROJECT, repo_full_name: `${PROJECT}/app` } },
  });

  await row.getByRole("link", { name: "Delivery log" }).click();
  const log = page.getByTestId("webhook-deliveries");
  await expect(log.getByRole("row")).toHaveCount(3); // the header and two deliveries
  await expect(log.getByText("Delivered")).toHaveCount(2);
  await expect(log.getByText("(test)")).toHaveCount(1);
  await expect(log.getByRole("cell", { name: "200", exact: true })).toHaveCount(2);

  // The refused create wrote no success row; the create and the test event one each.
  const audit = await db.query<{ action: string }>(`SELECT action FROM audit_events WHERE action LIKE 'webhook_policy.%' AND result = 'success' AND resource_name = $1 ORDER BY id`, [`${PROJECT}/${HOOK}`]);
  expect(audit.rows.map((r) => r.action)).toEqual(["webhook_policy.create", "webhook_policy.test"]);
});
