import { describe, expect, it } from "vitest";
import { parseTheme, themeClass, themeCookie } from "@/lib/theme/theme";

describe("theme preference", () => {
  it("pins light or dark only for those exact values, otherwise follows the system", () => {
    expect(parseTheme("light")).toBe("light");
    expect(parseTheme("dark")).toBe("dark");
    for (const value of [undefined, null, "", "system", "DARK", "dark;", "<script>"]) expect(parseTheme(value)).toBe("system");
  });

  it("gives the html class of a pinned theme and none for the system's", () => {
    expect(themeClass("dark")).toBe("dark");
    expect(themeClass("light")).toBe("light");
    expect(themeClass("system")).toBeUndefined();
  });

  it("remembers a pinned theme for a year and forgets it for the system's", () => {
    expect(themeCookie("dark")).toBe("wharf-theme=dark; Path=/; Max-Age=31536000; SameSite=Lax");
    expect(themeCookie("system")).toBe("wharf-theme=; Path=/; Max-Age=0; SameSite=Lax");
  });
});
