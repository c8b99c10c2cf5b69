"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import { Button } from "@/components/ui/button";

/**
 * "Sign in with <provider>": starts next-auth's OIDC flow (its CSRF token, then the provider's
 * authorization URL with state and PKCE cookies set) and goes there. The provider sends the browser
 * back to /api/auth/callback/oidc, which signs in and lands on the console, or on this page with
 * ?error=<code>.
 */
export function OidcSignInButton({ provider }: { provider: string }) {
  const t = useTranslations("oidc");
  const [pending, setPending] = useState(false);
  async function start() {
    setPending(true);
    try {
      const csrf = (await (await fetch("/api/auth/csrf", { cache: "no-store" })).json()) as { csrfToken: string };
      const res = await fetch("/api/auth/signin/oidc", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ csrfToken: csrf.csrfToken, callbackUrl: new URL("/", window.location.href).href, json: "true" }),
      });
      const { url } = (await res.json()) as { url?: string };
      // The provider's authorization URL (absolute): a full navigation away from Wharf.
      window.location.assign(url ?? new URL("/sign-in?error=OAuthSignin", window.location.href).href);
    } catch {
      window.location.assign(new URL("/sign-in?error=OAuthSignin", window.location.href).href);
    }
  }
  return (
    <Button type="button" variant="secondary" className="w-full" disabled={pending} onClick={() => void start()} data-testid="oidc-sign-in">
      {pending ? t("redirecting") : t("signInWith", { provider })}
    </Button>
  );
}
