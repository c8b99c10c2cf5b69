"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import { signOutOfSession } from "@/lib/auth/browser-session";

export function SignOutButton() {
  const [pending, setPending] = useState(false);
  const t = useTranslations("shell");
  return (
    <button
      type="button"
      disabled={pending}
      onClick={async () => {
        setPending(true);
        await signOutOfSession();
        // A full load drops every cached page of the signed-in user.
        // eslint-disable-next-line @next/next/no-location-assign-relative-destination -- a full load on purpose (see above)
        window.location.assign("/sign-in");
      }}
      className="rounded-md border border-slate-300 px-3 py-1.5 text-sm text-slate-700 hover:bg-slate-100"
    >
      {pending ? t("signingOut") : t("signOut")}
    </button>
  );
}
