import { cookies } from "next/headers";
import Link from "next/link";
import type { ReactNode } from "react";
import { ConsoleSidebar } from "@/components/shell/console-sidebar";
import { getTranslations } from "next-intl/server";
import { HeaderSearch } from "@/components/shell/header-search";
import { SignOutButton } from "@/components/shell/sign-out-button";
import { ThemeToggle } from "@/components/shell/theme-toggle";
import { FlashRegion } from "@/components/ui/flash";
import { requireUserActor } from "@/lib/auth/session";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import { parseTheme, THEME_COOKIE } from "@/lib/theme/theme";

/**
 * The console shell. Not a security gate (layouts do not re-run on navigation): every page and
 * action checks its own permission through lib/services.
 */
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const actor = await requireUserActor();
  const theme = parseTheme((await cookies()).get(THEME_COOKIE)?.value);
  const t = await getTranslations("shell");
  return (
    // Below md the sidebar is a bar above the page whose Menu button opens the navigation: a 240 px
    // column would leave a phone 150 px for the page.
    <div className="flex min-h-screen flex-col md:flex-row">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:m-2 focus:rounded focus:bg-white focus:p-2">
        {t("skipToContent")}
      </a>
      <ConsoleSidebar showAdministration={hasSystemPermission(actor, "user.list")} />
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex flex-wrap items-center justify-end gap-x-4 gap-y-2 border-b border-slate-200 bg-white px-4 py-3 sm:px-6">
          {/* Every signed-in user gets it; the search service limits the answers to what they may read. */}
          <HeaderSearch />
          <span className="min-w-0 text-sm break-words text-slate-700">
            {t.rich("signedInAs", {
              user: () => (
                <Link href="/account" prefetch={false} className="font-medium text-sky-800 hover:underline" data-testid="signed-in-user">
                  {actor.username}
                </Link>
              ),
            })}
            {actor.isAdmin && <span className="ml-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-600">{t("admin")}</span>}
          </span>
          <ThemeToggle initial={theme} />
          <SignOutButton />
        </header>
        <main id="main" className="min-w-0 flex-1 px-4 py-6 sm:px-6">
          <FlashRegion />
          {actor.adminPaused && (
            <p role="alert" className="mb-4 rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900" data-testid="admin-paused">
              {t.rich("adminPaused", {
                link: (chunks) => (
                  <Link href="/account" prefetch={false} className="font-medium underline">
                    {chunks}
                  </Link>
                ),
              })}
            </p>
          )}
          {children}
        </main>
      </div>
    </div>
  );
}
