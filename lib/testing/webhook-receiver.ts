import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Real HTTP receivers for webhook tests (node:http on a loopback port): each records what it
 * was sent; `ok` answers 200, `fail` 500, `hang` never answers. Close them with
 * {@link closeWebhookReceivers} in afterAll.
 */
export type ReceivedWebhook = { headers: IncomingHttpHeaders; body: unknown };
export type WebhookReceiver = { url: string; received: ReceivedWebhook[]; server: Server; mode: "ok" | "fail" | "hang" };

const open: WebhookReceiver[] = [];

export async function startWebhookReceiver(mode: WebhookReceiver["mode"]): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const r = { url: "", received, mode } as WebhookReceiver;
  r.server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
      if (r.mode === "hang") return; // never answers
      res.statusCode = r.mode === "ok" ? 200 : 500;
      res.end(r.mode === "ok" ? "ok" : "broken");
    });
  });
  await new Promise<void>((resolve) => r.server.listen(0, "127.0.0.1", resolve));
  r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}/hook`;
  open.push(r);
  return r;
}

export async function closeWebhookReceivers(): Promise<void> {
  const all = open.splice(0);
  for (const r of all) r.server.closeAllConnections?.();
  await Promise.all(all.map((r) => new Promise((resolve) => r.server.close(resolve))));
}
