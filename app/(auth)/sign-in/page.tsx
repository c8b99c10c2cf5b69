import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { SignInForm } from "@/app/(auth)/sign-in/sign-in-form";
import { ThemeToggle } from "@/components/shell/theme-toggle";
import { SignInLanguageSwitcher } from "@/components/i18n/sign-in-language-switcher";
import { getActor } from "@/lib/auth/session";
import { parseTheme, THEME_COOKIE } from "@/lib/theme/theme";

export async function generateMetadata() {
  return { title: (await getTranslations("signIn"))("title") };
}

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if ((await getActor()).kind === "user") redirect("/");
  const { notice } = await searchParams;
  const theme = parseTheme((await cookies()).get(THEME_COOKIE)?.value);
  const t = await getTranslations("signIn");
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
        <SignInForm />
        <div className="mt-6 border-t border-slate-100 pt-4">
          <SignInLanguageSwitcher />
        </div>
      </div>
    </main>
  );
}
