"use client";

import { useTranslations } from "next-intl";
import { type ReactNode, useState } from "react";
import { type Theme, themeClass, themeCookie } from "@/lib/theme/theme";

const OPTIONS: { theme: Theme; icon: ReactNode }[] = [
  {
    theme: "light",
    icon: (
      <>
        <circle cx="12" cy="12" r="4" />
        <path d="M12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4" />
      </>
    ),
  },
  { theme: "dark", icon: <path d="M20 14.5A8 8 0 0 1 9.5 4a8 8 0 1 0 10.5 10.5z" /> },
  {
    theme: "system",
    icon: (
      <>
        <rect x="3" y="4" width="18" height="12" rx="2" />
        <path d="M8 20h8M12 16v4" />
      </>
    ),
  },
];

/** A browser preference, not a server mutation: written straight into the cookie and onto <html>. */
function applyTheme(theme: Theme) {
  document.cookie = themeCookie(theme);
  const root = document.documentElement;
  root.classList.remove("light", "dark");
  const cls = themeClass(theme);
  if (cls) root.classList.add(cls);
}

/**
 * Light, dark or the system's: three toggle buttons (aria-pressed) in a group. The choice is a
 * cookie the server reads to render <html class="dark"> from the first byte (no flash on the next
 * load); here it is also applied at once, without a reload.
 */
export function ThemeToggle({ initial }: { initial: Theme }) {
  const [theme, setTheme] = useState<Theme>(initial);
  const t = useTranslations("theme");
  const choose = (next: Theme) => {
    setTheme(next);
    applyTheme(next);
  };
  return (
    <div role="group" aria-label={t("label")} className="flex shrink-0 rounded-md border border-slate-300 p-0.5" data-testid="theme-toggle">
      {OPTIONS.map((o) => (
        <button
          key={o.theme}
          type="button"
          aria-pressed={theme === o.theme}
          aria-label={t(o.theme)}
          title={t(o.theme)}
          onClick={() => choose(o.theme)}
          className={`rounded p-1 ${theme === o.theme ? "bg-slate-200 text-slate-900" : "text-slate-600 hover:bg-slate-100 hover:text-slate-900"}`}
        >
          <svg viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
            {o.icon}
          </svg>
        </button>
      ))}
    </div>
  );
}
