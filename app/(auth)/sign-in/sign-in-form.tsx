"use client";

import { useTranslations } from "next-intl";
import { type FormEvent, useState } from "react";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { signInWithPassword } from "@/lib/auth/browser-session";
import { TWO_FACTOR_REQUIRED } from "@/lib/errors";

export function SignInForm() {
  const t = useTranslations("signIn");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  // Set once the password proved right for an account with two-factor sign-in: the code step.
  const [credentials, setCredentials] = useState<{ username: string; password: string } | null>(null);

  async function attempt(username: string, password: string, otp?: string) {
    setPending(true);
    setError(null);
    const result = await signInWithPassword(username, password, otp);
    if (result.ok) {
      // A full load: the router may hold a prefetched "signed out" redirect for console pages.
      // eslint-disable-next-line @next/next/no-location-assign-relative-destination -- a full load on purpose (see above)
      window.location.assign("/");
      return;
    }
    setPending(false);
    if (result.error === TWO_FACTOR_REQUIRED) {
      setCredentials({ username, password });
      return;
    }
    setError(result.error && result.error !== "CredentialsSignin" ? signInError(result.error, t) : t("wrong"));
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const username = String(form.get("username") ?? "");
    const password = String(form.get("password") ?? "");
    if (!username || !password) {
      setError(t("missing"));
      return;
    }
    await attempt(username, password);
  }

  async function onSubmitCode(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const otp = String(new FormData(event.currentTarget).get("otp") ?? "").trim();
    if (!credentials) return;
    if (!otp) {
      setError(t("codeMissing"));
      return;
    }
    await attempt(credentials.username, credentials.password, otp);
  }

  const errorNote = error && (
    <p role="status" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800" data-testid="sign-in-error">
      {error}
    </p>
  );

  if (credentials) {
    return (
      // Its own key: without one React reuses the password form's inputs in place, and the code
      // field would open holding (and showing, as plain text) the password just typed.
      <form key="code" onSubmit={onSubmitCode} className="space-y-4" noValidate data-testid="two-factor-step">
        <p className="text-sm text-slate-700">{t("codePrompt")}</p>
        <Field label={t("code")} name="otp" autoComplete="one-time-code" inputMode="numeric" required autoFocus maxLength={32} hint={t("codeHint")} />
        {errorNote}
        <Button type="submit" className="w-full" disabled={pending}>
          {pending ? t("signingIn") : t("verify")}
        </Button>
        <button
          type="button"
          className="w-full text-center text-sm text-slate-600 underline"
          onClick={() => {
            setCredentials(null);
            setError(null);
          }}
        >
          {t("back")}
        </button>
      </form>
    );
  }

  return (
    <form key="credentials" onSubmit={onSubmit} className="space-y-4" noValidate>
      <Field label={t("username")} name="username" autoComplete="username" required autoFocus maxLength={255} />
      <Field label={t("password")} name="password" type="password" autoComplete="current-password" required maxLength={128} />
      {errorNote}
      <Button type="submit" className="w-full" disabled={pending}>
        {pending ? t("signingIn") : t("submit")}
      </Button>
    </form>
  );
}

/** The sign-in service's refusals (English, as the REST API gives them) in the page's language. */
function signInError(message: string, t: (key: string, values?: Record<string, number>) => string): string {
  const locked = /^Too many failed sign-ins for this username\. Try again in (\d+) minutes?\.$/.exec(message);
  if (locked) return t("locked", { minutes: Number(locked[1]) });
  if (message.startsWith("This account is disabled")) return t("disabled");
  if (message.startsWith("Sign-in is unavailable")) return t("unavailable");
  if (message.startsWith("Enter your username and password")) return t("missing");
  if (message === "Wrong two-factor code.") return t("wrongCode");
  return t("wrong");
}
