import en from "@/messages/en.json";
import zhCN from "@/messages/zh-CN.json";
import { IntlMessageFormat } from "intl-messageformat";
import { describe, expect, it } from "vitest";
import compileMessage from "icu-minify/compile";
import { serverTemplates, translateActionResult, translateServerText } from "@/lib/i18n/server-text";
import { negotiateLocale } from "@/lib/i18n/locales";

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const at = prefix ? `${prefix}.${key}` : key;
    if (typeof value === "string") out.set(at, value);
    else for (const [k, v] of flatten(value, at)) out.set(k, v);
  }
  return out;
}

const english = flatten(en as Tree);
const chinese = flatten(zhCN as Tree);

/** The ICU arguments a message uses ({name}, {count, plural, …}, <tag>…</tag>). */
function argumentsOf(message: string): string[] {
  const names = new Set<string>();
  for (const m of message.matchAll(/\{\s*(\w+)\s*[,}]/g)) names.add(m[1]!);
  for (const m of message.matchAll(/<(\w+)>/g)) names.add(`<${m[1]}>`);
  return [...names].sort();
}

describe("the message catalogues", () => {
  it("have exactly the same keys in English and Simplified Chinese", () => {
    expect([...chinese.keys()].sort()).toEqual([...english.keys()].sort());
  });

  it("have no empty message", () => {
    expect([...english].filter(([, v]) => v.trim() === "").map(([k]) => k)).toEqual([]);
    expect([...chinese].filter(([, v]) => v.trim() === "").map(([k]) => k)).toEqual([]);
  });

  it("use the same arguments in both languages, and every message parses as ICU", () => {
    const mismatched: string[] = [];
    for (const [key, value] of english) {
      const zh = chinese.get(key) ?? "";
      // The server texts are matched as plain templates, not ICU (lib/i18n/server-text.ts).
      if (!key.startsWith("server.")) {
        expect(() => new IntlMessageFormat(value, "en"), key).not.toThrow();
        expect(() => new IntlMessageFormat(zh, "zh-CN"), key).not.toThrow();
      }
      // A plural's # and its other arguments: Chinese has no plural forms, so it may name
      // `count` fewer times, never a different argument.
      const a = argumentsOf(value).filter((n) => n !== "count");
      const b = argumentsOf(zh).filter((n) => n !== "count");
      if (a.join() !== b.join()) mismatched.push(`${key}: ${a.join()} ≠ ${b.join()}`);
    }
    expect(mismatched).toEqual([]);
  });

  it("are translated: a Chinese message is not the English one, apart from names and codes", () => {
    const SAME_ON_PURPOSE = /^(audit\.detail\.userAgent|.*\.(?:exportCsv|clientIp))$/;
    const same = [...english].filter(([k, v]) => chinese.get(k) === v && /[a-z]{3,}/.test(v) && !SAME_ON_PURPOSE.test(k)).map(([k]) => k);
    expect(same).toEqual([]);
  });
});

describe("server texts in the console", () => {
  it("translates a service's exact text and a templated one, and leaves an unknown one as it is", () => {
    expect(translateServerText("Check the highlighted fields.", "zh-CN")).toBe(chinese.get("server.checkFields"));
    expect(translateServerText("Too many failed sign-ins for this username. Try again in 7 minutes.", "zh-CN")).toBe("该用户名登录失败次数过多，请在 7 分钟后重试。");
    expect(translateServerText("Check the highlighted fields.", "en")).toBe("Check the highlighted fields.");
    expect(translateServerText("Something nobody catalogued", "zh-CN")).toBe("Something nobody catalogued");
    expect(translateServerText("Group platform-team added.", "zh-CN")).toBe("已添加用户组 platform-team。");
    expect(translateServerText("alice signs in through LDAP: change the password there.", "zh-CN")).toBe("alice 通过 LDAP 登录：请在那里修改密码。");
  });

  it("reads the same templates from the catalogues precompiled as the Next build does (next.config.ts)", () => {
    for (const catalogue of [en, zhCN]) {
      const server = (catalogue as { server: Record<string, string> }).server;
      const precompiled = Object.fromEntries(Object.entries(server).map(([k, v]) => [k, compileMessage(v)]));
      expect(Object.values(precompiled).some(Array.isArray)).toBe(true);
      expect(serverTemplates({ server: precompiled })).toEqual(server);
    }
  });

  it("translates an action's message and field errors", () => {
    const result = translateActionResult(
      { ok: false, message: "Check the highlighted fields.", fieldErrors: { confirmPassword: ["The two new passwords do not match"] } },
      "zh-CN",
    );
    expect(result).toEqual({ ok: false, message: "请检查标出的字段。", fieldErrors: { confirmPassword: ["两次输入的新密码不一致"] } });
  });
});

describe("the language of a request without a stored choice", () => {
  it("follows Accept-Language: any Chinese is Simplified Chinese, else English", () => {
    expect(negotiateLocale("zh-CN,zh;q=0.9,en;q=0.8")).toBe("zh-CN");
    expect(negotiateLocale("zh-TW")).toBe("zh-CN");
    expect(negotiateLocale("en-US,en;q=0.9,zh;q=0.8")).toBe("en");
    expect(negotiateLocale("fr-FR, zh;q=0.5")).toBe("zh-CN");
    expect(negotiateLocale("fr-FR")).toBe("en");
    expect(negotiateLocale("de, en;q=0")).toBe("en");
    expect(negotiateLocale(null)).toBe("en");
  });
});
