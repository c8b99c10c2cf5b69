import { readFileSync } from "node:fs";
import path from "node:path";
import type { APIRequestContext } from "@playwright/test";

type ManifestEntry = { filename: string; exportedName: string };

/** The id Next.js gave a server action in the production build (to call it the way a forged client would). */
export function serverActionId(exportedName: string): string {
  const manifestPath = path.join(process.cwd(), ".next", "server", "server-reference-manifest.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { node: Record<string, ManifestEntry> };
  const found = Object.entries(manifest.node).find(([, entry]) => entry.exportedName === exportedName);
  if (!found) throw new Error(`No server action named ${exportedName} in the build`);
  return found[0];
}

/**
 * Posts straight to a `(prevState, formData)` server action, bypassing the UI, in React's reply
 * encoding (React 19.3): part "0" holds the argument list, "$K1" refers to the FormData whose fields
 * are "_1_<name>".
 * Part "0" goes last: the server resolves "$K1" as soon as it reads "0" (a plain object would put
 * the integer-like key "0" first).
 */
export async function callServerAction(
  request: APIRequestContext,
  { page, action, fields, origin }: { page: string; action: string; fields: Record<string, string>; origin: string },
) {
  const multipart = new FormData();
  for (const [key, value] of Object.entries(fields)) multipart.append(`_1_${key}`, value);
  multipart.append("0", JSON.stringify([{ ok: false }, "$K1"]));
  return request.post(page, {
    headers: { "Next-Action": serverActionId(action), Accept: "text/x-component", Origin: origin },
    multipart,
  });
}
