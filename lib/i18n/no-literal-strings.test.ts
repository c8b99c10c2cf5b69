import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/*
 * No hard-coded English in the console's JSX: every text a person reads comes from
 * messages/<locale>.json. Flagged: JSX text with letters, string attributes that people read
 * (label, title, placeholder, aria-label, alt, description, hint, pendingText…), and string
 * literals inside JSX expressions that look like prose (a space or a capital letter). Allowed:
 * the brand, code samples and what ALLOWED lists by file, with the reason.
 *
 * Scoped to TRANSLATED below: all of app/ and components/, so a new page or component is checked
 * as soon as it exists (it must read its texts from the catalogues, or list a text in ALLOWED).
 */
const ROOT = path.resolve(__dirname, "../..");

/**
 * Folders translated: every .tsx under them is checked. That is the whole console (every page and
 * component a person reads); there is no untranslated part left to list.
 */
const TRANSLATED = ["app", "components"];

/** Texts that stay as they are in every language, per file (or "*" for every file), and why. */
const ALLOWED: Record<string, (string | RegExp)[]> = {
  // The product's name, and the characters and symbols that are not words.
  "*": ["Wharf", "—", "…", "×", "⚓", "▾", "▸", "←", "→", "UTC", "YYYY-MM-DD HH:mm:ss", "YYYY-MM-DD", "B", "KiB", "MiB", "GiB", "TiB"],
  // Each language named in itself in the switchers.
  "lib/i18n/locales.ts": ["English", "简体中文"],
  // A command line to copy (a registry client's own syntax).
  "app/(console)/projects/page.tsx": ["skopeo login"],
  "app/(console)/projects/[projectId]/page.tsx": [/^skopeo login /, /^docker pull /],
  // Command lines and config files to copy (docker, podman, daemon.json, registries.conf syntax); file names.
  "app/(console)/projects/[projectId]/cache/page.tsx": [/^docker pull /, "daemon.json", "registries.conf", /^\{\n {2}"registry-mirrors"/, /^,\n {2}"insecure-registries"/, /^\[\[registry\]\]\n/, "insecure = true"],
  // Examples of what to type: an audit resource type and a repository name are the same in every language.
  "components/audit/audit-filter-form.tsx": ["artifact", "library/nginx"],
  // Example addresses, a PEM header and package/CVE examples as placeholders: typed the same in every language.
  "app/(console)/admin/audit-log/policy/forwarding-panel.tsx": ["syslog.example.com"],
  "app/(console)/projects/[projectId]/webhooks/webhook-forms.tsx": ["https://ci.example.com/hooks/wharf"],
  "app/(console)/admin/registries/registry-forms.tsx": ["https://registry.example.com", "-----BEGIN CERTIFICATE-----"],
  "app/(console)/admin/scanners/scanner-forms.tsx": ["http://harbor-scanner-trivy:8080"],
  "app/(console)/admin/vulnerability-db/import-forms.tsx": ["https://osv-vulnerabilities.storage.googleapis.com/Debian/all.zip"],
  "app/(console)/projects/[projectId]/repositories/[...path]/vulnerabilities-section.tsx": ["openssl, CVE-2024-…"],
  // A link's address (a route with its query), not words.
  "app/(console)/admin/security/page.tsx": ["/admin/security? #search-heading"],
  // Field-error paths of the rule being edited (the service's keys), not words.
  "app/(console)/projects/[projectId]/policy/retention-form.tsx": ["rules. .repositories", "rules. .tags"],
  // A command line to copy (a registry client's own syntax).
  "app/(console)/projects/[projectId]/repositories/[...path]/artifact-detail-view.tsx": [/^docker pull /],
};

const PROSE_ATTRIBUTES = new Set([
  "label",
  "title",
  "placeholder",
  "aria-label",
  "alt",
  "description",
  "hint",
  "pendingText",
  "subtitle",
  "confirmLabel",
  "message",
  "success",
  "emptyText",
  "heading",
]);
/** Attributes that are never read as prose (class names, routes, ids, types, test ids, keys…). */
const CODE_ATTRIBUTES = /^(className|href|id|name|type|key|role|data-.*|aria-(controls|describedby|labelledby|current|live|hidden|haspopup|expanded|invalid|autocomplete|activedescendant)|htmlFor|autoComplete|method|action|rel|target|src|width|height|tone|variant|size|testId|basePath|exportPath|form|list|lang|dateTime|inputMode|pattern|enterKeyHint|spellCheck|prefetch|download|scope|defaultValue|value|viewBox|d|fill|stroke|strokeWidth|strokeLinecap|strokeLinejoin|xmlns|color|series|mode|kind|align|side|as|autoCapitalize|sizes)$/;

function filesUnder(rel: string): string[] {
  const abs = path.join(ROOT, rel);
  if (!statSync(abs, { throwIfNoEntry: false })) return [];
  if (statSync(abs).isFile()) return rel.endsWith(".tsx") ? [rel] : [];
  return readdirSync(abs).flatMap((name) => filesUnder(path.join(rel, name)));
}

function isAllowed(file: string, text: string): boolean {
  const trimmed = text.trim();
  if (!/[A-Za-z]/.test(trimmed)) return true;
  return [...(ALLOWED["*"] ?? []), ...(ALLOWED[file] ?? [])].some((a) => (typeof a === "string" ? a === trimmed : a.test(trimmed)));
}

/** Does this string look like words for people (not a class list, a key or a URL)? */
function looksLikeProse(text: string): boolean {
  const s = text.trim();
  if (!/[A-Za-z]/.test(s)) return false;
  if (/^[a-z0-9_.:/#?=&@$*+-]+$/.test(s)) return false; // keys, routes, identifiers
  if (/^[a-z0-9:[\]()/%.@!_\s-]+$/.test(s) && /[-:[]/.test(s)) return false; // class lists
  return /\s/.test(s) || /^[A-Z]/.test(s);
}

export function literalsIn(file: string, source: string): string[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: string[] = [];
  const report = (node: ts.Node, text: string) => {
    if (isAllowed(file, text)) return;
    const { line } = sf.getLineAndCharacterOfPosition(node.getStart());
    found.push(`${file}:${line + 1}: ${JSON.stringify(text.trim())}`);
  };
  const visit = (node: ts.Node, inJsxExpression: boolean, attribute: string | null) => {
    if (ts.isJsxText(node)) {
      if (/[A-Za-z]/.test(node.text)) report(node, node.text);
      return;
    }
    if (ts.isJsxAttribute(node)) {
      const name = node.name.getText(sf);
      if (CODE_ATTRIBUTES.test(name)) return;
      if (node.initializer && ts.isStringLiteral(node.initializer)) {
        if (PROSE_ATTRIBUTES.has(name) && /[A-Za-z]/.test(node.initializer.text)) report(node, node.initializer.text);
        else if (looksLikeProse(node.initializer.text) && PROSE_ATTRIBUTES.has(name)) report(node, node.initializer.text);
        return;
      }
      node.forEachChild((c) => visit(c, true, name));
      return;
    }
    if (ts.isJsxExpression(node)) {
      node.forEachChild((c) => visit(c, true, attribute));
      return;
    }
    if (inJsxExpression) {
      // Calls into the catalogue, and class-name helpers, take keys and classes, not prose.
      if (ts.isCallExpression(node)) {
        const callee = node.expression.getText(sf);
        if (/^(t|t\.rich|t\.markup|tp|ta|tc|format\.\w+|buttonClass|cn|clsx|formatDateTime|formatDate|formatUtc)$/.test(callee) || /^t[A-Z]\w*$/.test(callee)) {
          node.arguments.slice(1).forEach((a) => visit(a, true, attribute));
          return;
        }
      }
      // An error's English message: the refusal notice translates it (server.* in the catalogues).
      if (ts.isNewExpression(node) && /Error$/.test(node.expression.getText(sf))) return;
      if (ts.isBinaryExpression(node) && [ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken].includes(node.operatorToken.kind)) return;
      if (ts.isElementAccessExpression(node)) return;
      if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
        if (looksLikeProse(node.text)) report(node, node.text);
        return;
      }
      if (ts.isTemplateExpression(node)) {
        const parts = [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(" ");
        if (/[A-Za-z]{2,}/.test(parts.replace(/[a-z0-9_-]+(?=[:/])/g, "")) && looksLikeProse(parts)) report(node, parts);
        node.templateSpans.forEach((s) => visit(s.expression, true, attribute));
        return;
      }
    }
    node.forEachChild((c) => visit(c, inJsxExpression, attribute));
  };
  visit(sf, false, null);
  return found;
}

describe("no hard-coded English in the console's JSX", () => {
  const files = [...new Set(TRANSLATED.flatMap(filesUnder))].sort();

  it("covers the translated files", () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it("the translated files read every text from the catalogues", () => {
    const found = files.flatMap((file) => literalsIn(file, readFileSync(path.join(ROOT, file), "utf8")));
    expect(found).toEqual([]);
  });

  it("flags a literal, and lets a translated text and the brand through", () => {
    const bad = 'export const A = () => <div title="Delete it"><h1>Projects</h1>{ok ? "Saved." : null}</div>;';
    expect(literalsIn("x.tsx", bad)).toHaveLength(3);
    const good = 'export const A = () => <div className="mt-1 text-sm" title={t("x")}><h1>{t("projects")}</h1> Wharf</div>;';
    expect(literalsIn("x.tsx", good)).toEqual([]);
  });
});
