"use client";

import Link from "next/link";
import { useTranslations } from "next-intl";
import { usePathname } from "next/navigation";

type NavItem = { href: string; key: string };

const MAIN: NavItem[] = [
  { href: "/", key: "dashboard" },
  { href: "/projects", key: "projects" },
];
const ADMINISTRATION: NavItem[] = [
  { href: "/admin/users", key: "users" },
  { href: "/admin/groups", key: "groups" },
  { href: "/admin/robots", key: "robots" },
  { href: "/admin/registries", key: "registries" },
  { href: "/admin/replications", key: "replications" },
  { href: "/admin/scanners", key: "scanners" },
  { href: "/admin/security", key: "security" },
  { href: "/admin/vulnerability-db", key: "vulnerabilityDb" },
  { href: "/admin/audit-log", key: "auditLog" },
  { href: "/admin/settings", key: "settings" },
  { href: "/admin/authentication", key: "authentication" },
  { href: "/admin/retention", key: "retention" },
  { href: "/admin/labels", key: "labels" },
  { href: "/admin/clean-up", key: "cleanUp" },
  { href: "/admin/health", key: "health" },
];

function NavLink({ item, active }: { item: NavItem; active: boolean }) {
  const t = useTranslations("nav");
  return (
    <Link
      href={item.href}
      // Protected pages must not be prefetched while signed out (the redirect would be cached).
      prefetch={false}
      aria-current={active ? "page" : undefined}
      // ink-*: the sidebar is dark in both themes (app/globals.css).
      className={`block rounded-md px-3 py-2 text-sm ${
        active ? "bg-ink-700 font-medium text-ink-50" : "text-ink-300 hover:bg-ink-800 hover:text-ink-50"
      }`}
    >
      {t(item.key)}
    </Link>
  );
}

/**
 * Left navigation. Showing "Administration" only to admins is a convenience: every page and
 * action behind it is refused by the service layer for anyone else.
 */
export function SidebarNav({ showAdministration }: { showAdministration: boolean }) {
  const pathname = usePathname();
  const t = useTranslations("nav");
  // "/" is active on the landing page only, not under every path.
  const isActive = (href: string) => pathname === href || (href !== "/" && pathname.startsWith(`${href}/`));
  return (
    <nav aria-label={t("main")} className="space-y-6">
      <ul className="space-y-1">
        {MAIN.map((item) => (
          <li key={item.href}>
            <NavLink item={item} active={isActive(item.href)} />
          </li>
        ))}
      </ul>
      {showAdministration && (
        <div>
          <h2 className="px-3 pb-1 text-xs font-semibold tracking-wide text-ink-400 uppercase">{t("administration")}</h2>
          <ul className="space-y-1">
            {ADMINISTRATION.map((item) => (
              <li key={item.href}>
                <NavLink item={item} active={isActive(item.href)} />
              </li>
            ))}
          </ul>
        </div>
      )}
    </nav>
  );
}
