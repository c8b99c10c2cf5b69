"use client";

import Link from "next/link";
import { useTranslations } from "next-intl";
import { usePathname } from "next/navigation";

/** `readOnly`: the viewer may read the tab but change nothing there (an auditor on Policy); said on the tab. */
export type ProjectTab = { href: string; label: string; readOnly?: boolean };

export function ProjectTabs({ tabs }: { tabs: ProjectTab[] }) {
  const pathname = usePathname();
  const t = useTranslations("project");
  return (
    <nav aria-label={t("tabsLabel")} className="mb-6 border-b border-slate-200">
      <ul className="-mb-px flex flex-wrap gap-1">
        {tabs.map((tab, i) => {
          const active = i === 0 ? pathname === tab.href : pathname.startsWith(tab.href);
          return (
            <li key={tab.href}>
              <Link
                href={tab.href}
                prefetch={false}
                aria-current={active ? "page" : undefined}
                className={`inline-block border-b-2 px-4 py-2 text-sm ${
                  active ? "border-sky-700 font-medium text-sky-800" : "border-transparent text-slate-600 hover:border-slate-300 hover:text-slate-900"
                }`}
              >
                {tab.label}
                {tab.readOnly && (
                  <span className="ml-1.5 rounded bg-slate-100 px-1 py-0.5 text-[0.7rem] font-normal text-slate-600" data-testid="tab-read-only">
                    {t("readOnly")}
                  </span>
                )}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
