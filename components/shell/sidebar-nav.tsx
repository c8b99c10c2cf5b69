"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

type NavItem = { href: string; label: string };

const MAIN: NavItem[] = [
  { href: "/", label: "Dashboard" },
  { href: "/projects", label: "Projects" },
];
const ADMINISTRATION: NavItem[] = [
  { href: "/admin/users", label: "Users" },
  { href: "/admin/robots", label: "Robot accounts" },
  { href: "/admin/registries", label: "Registries" },
  { href: "/admin/replications", label: "Replications" },
  { href: "/admin/scanners", label: "Interrogation services" },
  { href: "/admin/security", label: "Security hub" },
  { href: "/admin/vulnerability-db", label: "Vulnerability database" },
  { href: "/admin/audit-log", label: "Audit log" },
  { href: "/admin/settings", label: "Settings" },
  { href: "/admin/retention", label: "Retention default" },
  { href: "/admin/health", label: "System health" },
];

function NavLink({ item, active }: { item: NavItem; active: boolean }) {
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
      {item.label}
    </Link>
  );
}

/**
 * Left navigation. Showing "Administration" only to admins is a convenience: every page and
 * action behind it is refused by the service layer for anyone else.
 */
export function SidebarNav({ showAdministration }: { showAdministration: boolean }) {
  const pathname = usePathname();
  // "/" is active on the landing page only, not under every path.
  const isActive = (href: string) => pathname === href || (href !== "/" && pathname.startsWith(`${href}/`));
  return (
    <nav aria-label="Main" className="space-y-6">
      <ul className="space-y-1">
        {MAIN.map((item) => (
          <li key={item.href}>
            <NavLink item={item} active={isActive(item.href)} />
          </li>
        ))}
      </ul>
      {showAdministration && (
        <div>
          <h2 className="px-3 pb-1 text-xs font-semibold tracking-wide text-ink-400 uppercase">Administration</h2>
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
