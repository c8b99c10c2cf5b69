import { consolePathForHarborPath } from "@/app/harbor/[[...path]]/harbor-links";

/**
 * Harbor's UI deep links (`/harbor/projects/{id}/repositories/{name}`…) redirect to the matching
 * console page (harbor-links.ts); anything without one is a 404. The redirect is temporary (307):
 * a browser must not remember it past a change of the console's URLs. The Location is relative, so
 * it holds behind any proxy or external address.
 */
function redirect(req: Request): Response {
  const target = consolePathForHarborPath(new URL(req.url).pathname);
  if (target === null) {
    return new Response("No console page matches this Harbor link.", {
      status: 404,
      headers: { "Content-Type": "text/plain; charset=utf-8" },
    });
  }
  return new Response(null, { status: 307, headers: { Location: target } });
}

export function GET(req: Request): Response {
  return redirect(req);
}

export function HEAD(req: Request): Response {
  return redirect(req);
}
