import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { OidcSignInButton } from "@/app/(auth)/sign-in/oidc-sign-in-button";
import { SignInForm } from "@/app/(auth)/sign-in/sign-in-form";
import { ThemeToggle } from "@/components/shell/theme-toggle";
import { SignInLanguageSwitcher } from "@/components/i18n/sign-in-language-switcher";
import { getActor } from "@/lib/auth/session";
import { readOidcSignInButton } from "@/lib/services/identity/oidc/settings";
import { parseTheme, THEME_COOKIE } from "@/lib/theme/theme";

export async function generateMetadata() {
  return { title: (await getTranslations("signIn"))("title") };
}

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if ((await getActor()).kind === "user") redirect("/");
  const { notice, error } = await searchParams;
  const theme = parseTheme((await cookies()).get(THEME_COOKIE)?.value);
  const t = await getTranslations("signIn");
  const tOidc = await getTranslations("oidc");
  const oidc = await readOidcSignInButton();
  // next-auth sends OAuth failures and the OIDC sign-in's refusals here as ?error=<code>: only known
  // codes are explained (the text is never taken from the URL).
  const errorKey = typeof error === "string" && Object.hasOwn(OIDC_ERROR_KEYS, error) ? OIDC_ERROR_KEYS[error] : undefined;
  return (
    <main className="relative flex min-h-screen items-center justify-center px-4 py-16">
      <div className="absolute top-3 right-3">
        <ThemeToggle initial={theme} />
      </div>
      <div className="w-full max-w-sm rounded-xl border border-slate-200 bg-white p-8 shadow-sm">
        <div className="mb-6 text-center">
          <p className="text-3xl" aria-hidden="true">
            ⚓
          </p>
          <h1 className="mt-2 text-xl font-semibold">{t("heading")}</h1>
        </div>
        {notice === "password-changed" && (
          <p role="status" className="mb-4 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
            {t("passwordChanged")}
          </p>
        )}
        {errorKey && (
          <p role="alert" className="mb-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800" data-testid="sign-in-oidc-error">
            {tOidc(errorKey)}
          </p>
        )}
        {oidc && (
          <div className="mb-6 space-y-4">
            <OidcSignInButton provider={oidc.providerName} />
            <p className="text-center text-xs text-slate-500">{tOidc("or")}</p>
          </div>
        )}
        <SignInForm />
        <div className="mt-6 border-t border-slate-100 pt-4">
          <SignInLanguageSwitcher />
        </div>
      </div>
    </main>
  );
}

type OidcErrorKey = "errorNoAccount" | "errorUsernameTaken" | "errorDisabled" | "errorUsername" | "errorClaimMissing" | "errorRefused" | "errorUnavailable" | "errorProvider" | "errorDenied";

/** next-auth's error codes (OAuth flow) and the OIDC sign-in's (lib/services/identity/oidc/sign-in.ts). */
const OIDC_ERROR_KEYS: Record<string, OidcErrorKey> = {
  OidcNoAccount: "errorNoAccount",
  OidcUsernameTaken: "errorUsernameTaken",
  OidcDisabled: "errorDisabled",
  OidcUsername: "errorUsername",
  OidcClaimMissing: "errorClaimMissing",
  OidcRefused: "errorRefused",
  OidcUnavailable: "errorUnavailable",
  OAuthSignin: "errorProvider",
  OAuthCallback: "errorProvider",
  OAuthCreateAccount: "errorProvider",
  Callback: "errorProvider",
  Configuration: "errorUnavailable",
  AccessDenied: "errorDenied",
};
