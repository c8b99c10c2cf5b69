"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useTranslations } from "next-intl";
import { useRef, useState } from "react";
import { SidebarNav } from "@/components/shell/sidebar-nav";

const NAV_ID = "console-nav";

/**
 * The console's sidebar. From md up it is a 240 px column beside the page, always open. Below md it
 * is a bar above the page with a Menu button (aria-expanded, aria-controls) that opens the
 * navigation under it: closed on every page load, closed again once a link was followed (it is
 * open only for the path it was opened on, so no effect has to close it), and by Escape, which
 * gives focus back to the button.
 */
export function ConsoleSidebar({ showAdministration }: { showAdministration: boolean }) {
  const pathname = usePathname();
  const [openOn, setOpenOn] = useState<string | null>(null);
  const open = openOn === pathname;
  const buttonRef = useRef<HTMLButtonElement>(null);
  const t = useTranslations("shell");
  return (
    <aside
      className="bg-ink-900 px-3 py-3 md:w-60 md:shrink-0 md:py-4"
      onKeyDown={(e) => {
        if (e.key === "Escape" && open) {
          setOpenOn(null);
          buttonRef.current?.focus();
        }
      }}
    >
      <div className="flex items-center justify-between gap-2 md:mb-6">
        <Link href="/" prefetch={false} className="flex items-center gap-2 px-3 text-lg font-semibold text-ink-50">
          {/* eslint-disable-next-line @next/next/no-img-element -- a static 24px SVG gains nothing from next/image */}
          <img src="/logo.svg" alt="" width={24} height={24} /> Wharf
        </Link>
        <button
          ref={buttonRef}
          type="button"
          aria-expanded={open}
          aria-controls={NAV_ID}
          onClick={() => setOpenOn(open ? null : pathname)}
          className="flex items-center gap-2 rounded-md border border-ink-700 px-3 py-1.5 text-sm text-ink-100 hover:bg-ink-800 md:hidden"
        >
          <svg viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" aria-hidden="true">
            {open ? <path d="M6 6l12 12M18 6L6 18" /> : <path d="M4 7h16M4 12h16M4 17h16" />}
          </svg>
          {t("menu")}
        </button>
      </div>
      <div
        id={NAV_ID}
        className={`${open ? "mt-3 block" : "hidden"} md:block`}
        // A link to the page already shown changes no path: close on any followed link too.
        onClick={(e) => {
          if (e.target instanceof Element && e.target.closest("a")) setOpenOn(null);
        }}
      >
        <SidebarNav showAdministration={showAdministration} />
      </div>
    </aside>
  );
}
