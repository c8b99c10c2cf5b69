import type { Metadata } from "next";
import { cookies } from "next/headers";
import type { ReactNode } from "react";
import { parseTheme, THEME_COOKIE, themeClass } from "@/lib/theme/theme";
import { NextIntlClientProvider } from "next-intl";
import { getLocale, getMessages } from "next-intl/server";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Wharf", template: "%s · Wharf" },
  description: "Registry console",
  icons: { icon: { url: "/favicon.svg", type: "image/svg+xml" } },
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // The theme is rendered into the first byte (no script, no flash); no class means the system's.
  const theme = parseTheme((await cookies()).get(THEME_COOKIE)?.value);
  // The `server` texts are the server's (lib/i18n/server-text.ts translates services' English at
  // the edge); the browser needs none of them, so they are not sent with every page.
  const clientMessages = Object.fromEntries(Object.entries(await getMessages()).filter(([namespace]) => namespace !== "server"));
  return (
    <html lang={await getLocale()} className={themeClass(theme)}>
      <body className="min-h-screen bg-slate-50 font-sans text-slate-900 antialiased">
        <NextIntlClientProvider messages={clientMessages}>{children}</NextIntlClientProvider>
      </body>
    </html>
  );
}
