import Link from "next/link";
import type { ReactNode } from "react";
import { SidebarNav } from "@/components/shell/sidebar-nav";
import { SignOutButton } from "@/components/shell/sign-out-button";
import { requireUserActor } from "@/lib/auth/session";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";

/**
 * The console shell. Not a security gate (layouts do not re-run on navigation): every page and
 * action checks its own permission through lib/services.
 */
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const actor = await requireUserActor();
  return (
    <div className="flex min-h-screen">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:m-2 focus:rounded focus:bg-white focus:p-2">
        Skip to content
      </a>
      <aside className="w-60 shrink-0 bg-slate-900 px-3 py-4">
        <Link href="/projects" prefetch={false} className="mb-6 flex items-center gap-2 px-3 text-lg font-semibold text-white">
          <span aria-hidden="true">⚓</span> Wharf
        </Link>
        <SidebarNav showAdministration={hasSystemPermission(actor, "user.list")} />
      </aside>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex items-center justify-end gap-4 border-b border-slate-200 bg-white px-6 py-3">
          <span className="text-sm text-slate-700">
            Signed in as{" "}
            <Link href="/account" prefetch={false} className="font-medium text-sky-800 hover:underline" data-testid="signed-in-user">
              {actor.username}
            </Link>
            {actor.isAdmin && <span className="ml-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-600">admin</span>}
          </span>
          <SignOutButton />
        </header>
        <main id="main" className="flex-1 px-6 py-6">
          {children}
        </main>
      </div>
    </div>
  );
}
