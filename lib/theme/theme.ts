/**
 * The colour theme a browser asked for, kept in a cookie (not a server-side setting: it is a
 * preference of this browser, like a window size, and writes nothing, so it needs no audit row).
 * The server reads it to put the class on <html> before the first paint; "system" is the absence of
 * the cookie, when CSS follows `prefers-color-scheme` (app/globals.css). Importable anywhere.
 */
export const THEMES = ["light", "dark", "system"] as const;
export type Theme = (typeof THEMES)[number];

export const THEME_COOKIE = "wharf-theme";

/** Whatever the cookie holds (missing, forged, an old value), only "light" and "dark" pin a scheme. */
export function parseTheme(value: string | undefined | null): Theme {
  return value === "light" || value === "dark" ? value : "system";
}

/** The class the html element carries for a theme: none for "system". */
export function themeClass(theme: Theme): "light" | "dark" | undefined {
  return theme === "system" ? undefined : theme;
}

/** The Set-Cookie value (document.cookie) that remembers a theme for a year, or forgets it for "system". */
export function themeCookie(theme: Theme): string {
  return theme === "system"
    ? `${THEME_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax`
    : `${THEME_COOKIE}=${theme}; Path=/; Max-Age=31536000; SameSite=Lax`;
}
