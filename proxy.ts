import { type NextRequest, NextResponse } from "next/server";
import { isSameOriginRequest, SAFE_METHODS } from "@/lib/api/csrf";

/**
 * Next.js's proxy (run before every matched request): cross-site protection for server actions.
 *
 * A server action is a POST to a page URL, with a `Next-Action` header when the page's JavaScript
 * calls it, or without one when a form posts before hydration (the action id is then in the body).
 * The session cookie rides along on its own, so every state-changing request to a page must come
 * from Wharf's own pages: a same-host `Origin`, or `Sec-Fetch-Site: same-origin` when a browser
 * sends no Origin. Next's built-in check lets a request without Origin through, which a
 * cross-site form post or an old browser can produce.
 *
 * Checking here rather than in each action means a new action cannot miss it. `/api/` is not
 * matched: the REST API checks origins itself (lib/api/with-api.ts, with its Basic-auth and
 * cookie-less exemptions) and next-auth's endpoints carry their own CSRF token.
 */
export function proxy(req: NextRequest): NextResponse {
  if (SAFE_METHODS.has(req.method.toUpperCase()) || isSameOriginRequest(req)) return NextResponse.next();
  return new NextResponse("Cross-site request refused: this form must be sent from Wharf's own pages.", {
    status: 403,
    headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" },
  });
}

export const config = {
  // Every page path; not the REST API or next-auth (see above), nor the built-in scanner adapter
  // (app/scanner/api: Bearer key, no cookie), nor static assets.
  matcher: ["/((?!api/|scanner/api/|_next/static/|_next/image|favicon\\.ico).*)"],
};
