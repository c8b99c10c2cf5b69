"use client";

import { type FormEvent, useState } from "react";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { signInWithPassword } from "@/lib/auth/browser-session";

export function SignInForm() {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const username = String(form.get("username") ?? "");
    const password = String(form.get("password") ?? "");
    if (!username || !password) {
      setError("Enter your username and password.");
      return;
    }
    setPending(true);
    setError(null);
    const result = await signInWithPassword(username, password);
    if (result.ok) {
      // A full load: the router may hold a prefetched "signed out" redirect for console pages.
      // eslint-disable-next-line @next/next/no-location-assign-relative-destination -- a full load on purpose (see above)
      window.location.assign("/");
      return;
    }
    setPending(false);
    setError(result.error && result.error !== "CredentialsSignin" ? result.error : "Wrong username or password.");
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate>
      <Field label="Username" name="username" autoComplete="username" required autoFocus maxLength={255} />
      <Field label="Password" name="password" type="password" autoComplete="current-password" required maxLength={128} />
      {error && (
        <p role="status" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800" data-testid="sign-in-error">
          {error}
        </p>
      )}
      <Button type="submit" className="w-full" disabled={pending}>
        {pending ? "Signing in…" : "Sign in"}
      </Button>
    </form>
  );
}
