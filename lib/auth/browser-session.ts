/**
 * Signing in and out from the browser with next-auth's own endpoints (its CSRF token, the
 * credentials callback, signout), as next-auth/react's signIn and signOut do, without that module:
 * it ships with a regenerator runtime and its session broadcast, about 10 KB gzip on every page.
 * Only what the sign-in form and the Sign out button need; the console reads its session on the
 * server.
 */

const FORM = { "Content-Type": "application/x-www-form-urlencoded" };

async function csrfToken(): Promise<string> {
  const res = await fetch("/api/auth/csrf", { cache: "no-store" });
  const { csrfToken: token } = (await res.json()) as { csrfToken: string };
  return token;
}

export type SignInOutcome = { ok: true } | { ok: false; error: string | null };

/** The credentials provider: `ok`, or next-auth's error code ("CredentialsSignin") or the refusal's text. */
export async function signInWithPassword(username: string, password: string, otp?: string): Promise<SignInOutcome> {
  const res = await fetch("/api/auth/callback/credentials", {
    method: "POST",
    headers: FORM,
    body: new URLSearchParams({ username, password, ...(otp ? { otp } : {}), csrfToken: await csrfToken(), callbackUrl: window.location.href, json: "true" }),
  });
  const data = (await res.json().catch(() => ({}))) as { url?: string };
  const error = data.url ? new URL(data.url, window.location.href).searchParams.get("error") : null;
  return res.ok && data.url && !error ? { ok: true } : { ok: false, error };
}

/** Ends the session (next-auth's signout, which also ends it server-side through its events). */
export async function signOutOfSession(): Promise<void> {
  await fetch("/api/auth/signout", {
    method: "POST",
    headers: FORM,
    body: new URLSearchParams({ csrfToken: await csrfToken(), callbackUrl: window.location.href, json: "true" }),
  });
}
