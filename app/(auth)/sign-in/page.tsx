import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { SignInForm } from "@/app/(auth)/sign-in/sign-in-form";
import { ThemeToggle } from "@/components/shell/theme-toggle";
import { getActor } from "@/lib/auth/session";
import { parseTheme, THEME_COOKIE } from "@/lib/theme/theme";

export const metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if ((await getActor()).kind === "user") redirect("/");
  const { notice } = await searchParams;
  const theme = parseTheme((await cookies()).get(THEME_COOKIE)?.value);
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
          <h1 className="mt-2 text-xl font-semibold">Sign in to Wharf</h1>
        </div>
        {notice === "password-changed" && (
          <p role="status" className="mb-4 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
            Your password was changed. Sign in with the new one.
          </p>
        )}
        <SignInForm />
      </div>
    </main>
  );
}
