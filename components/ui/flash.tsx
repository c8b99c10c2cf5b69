"use client";

import { useTranslations } from "next-intl";
import { useEffect, useState } from "react";

/**
 * A page-level status line for outcomes whose own row disappears with them (a delete removes the
 * row that held its form, so a message next to the button would vanish in the same render).
 * One module-level listener: the console layout renders the one region.
 */
let listener: ((message: string) => void) | null = null;

export function flash(message: string): void {
  listener?.(message);
}

export function FlashRegion() {
  const [message, setMessage] = useState<string | null>(null);
  const t = useTranslations("common");
  useEffect(() => {
    listener = setMessage;
    return () => {
      listener = null;
    };
  }, []);
  return (
    <div role="status" aria-live="polite" data-testid="flash" className={message ? "mb-4" : "sr-only"}>
      {message && (
        <p className="flex items-center justify-between gap-2 rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
          <span>{message}</span>
          <button type="button" className="text-xs underline" onClick={() => setMessage(null)}>
            {t("dismiss")}
          </button>
        </p>
      )}
    </div>
  );
}
