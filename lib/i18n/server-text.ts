import en from "@/messages/en.json";
import zhCN from "@/messages/zh-CN.json";
import type { Locale } from "@/lib/i18n/locales";

/**
 * Messages that services and server actions produce in English (form errors, field errors from
 * the zod schemas, success messages) translated for the console. The services keep writing
 * English, which the REST API and the /v2 registry answer as they are (machines and Harbor
 * clients read them); the console translates at its edge: formAction and the pages' refusal
 * notices call this. The `server` namespace of each catalogue holds the English text as a
 * template (`Project {name} created.`) and its translation under the same key; a text that no
 * template matches is shown as it is.
 */
type Template = { pattern: RegExp; names: string[]; key: string; fixed: number };

const PLACEHOLDER = /\{(\w+)\}/g;

function compile(key: string, english: string): Template {
  const names: string[] = [];
  let source = "";
  let last = 0;
  for (const m of english.matchAll(PLACEHOLDER)) {
    source += escape(english.slice(last, m.index));
    source += "(.+?)";
    names.push(m[1]!);
    last = m.index + m[0].length;
  }
  source += escape(english.slice(last));
  return { pattern: new RegExp(`^${source}$`, "s"), names, key, fixed: english.replace(PLACEHOLDER, "").length };
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * A catalogue's `server` texts as plain templates. In the Next build the catalogues arrive
 * precompiled by next-intl (next.config.ts: `precompile`, so the browser needs no ICU parser):
 * a text with placeholders is then an array of strings and `[name]` parts, which is turned back
 * into `Project {name} created.`; unit tests import the JSON as it is. Server texts use plain
 * placeholders only (catalogues.test.ts checks), so nothing else needs decompiling.
 */
export function serverTemplates(catalogue: unknown): Record<string, string> {
  const server = (catalogue as { server?: Record<string, unknown> }).server ?? {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(server)) {
    if (typeof value === "string") out[key] = value;
    else if (Array.isArray(value)) {
      const parts = value.map((part: unknown) =>
        typeof part === "string" ? part : Array.isArray(part) && part.length === 1 && typeof part[0] === "string" ? `{${part[0]}}` : null,
      );
      if (parts.every((part) => part !== null)) out[key] = parts.join("");
    }
  }
  return out;
}

const englishTemplates = serverTemplates(en);
const translations: Record<Locale, Record<string, string>> = {
  en: englishTemplates,
  "zh-CN": serverTemplates(zhCN),
};
// Exact texts first (a map lookup), then templates with placeholders, the most fixed text first so
// the most specific wins (`Name must be at most {max} characters` before `{field} must be at most
// {max} characters`, whose pattern is longer only by its extra placeholder).
const exact = new Map<string, string>();
const templates: Template[] = [];
for (const [key, english] of Object.entries(englishTemplates)) {
  if (/\{\w+\}/.test(english)) templates.push(compile(key, english));
  else exact.set(english, key);
}
templates.sort((a, b) => b.fixed - a.fixed || b.pattern.source.length - a.pattern.source.length);

/** `text` in `locale` when the catalogue knows it, else `text` unchanged. */
export function translateServerText(text: string, locale: Locale): string {
  if (locale === "en") return text;
  const target = translations[locale];
  const key = exact.get(text);
  if (key !== undefined) return target[key] ?? text;
  for (const t of templates) {
    const m = t.pattern.exec(text);
    if (!m) continue;
    const values = Object.fromEntries(t.names.map((n, i) => [n, m[i + 1]!]));
    const template = target[t.key];
    if (!template) return text;
    return template.replace(PLACEHOLDER, (_, n: string) => values[n] ?? `{${n}}`);
  }
  return text;
}

/** Every message and field error of an action's answer, translated. */
export function translateActionResult<R extends { message?: string; fieldErrors?: Record<string, string[]> }>(result: R, locale: Locale): R {
  if (locale === "en") return result;
  return {
    ...result,
    ...(result.message !== undefined ? { message: translateServerText(result.message, locale) } : {}),
    ...(result.fieldErrors
      ? { fieldErrors: Object.fromEntries(Object.entries(result.fieldErrors).map(([k, v]) => [k, v.map((e) => translateServerText(e, locale))])) }
      : {}),
  };
}
