import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { resolveLocalModule } from "@/lib/testing/module-paths";
import en from "@/messages/en.json";
import zhCN from "@/messages/zh-CN.json";
import { translateServerText } from "@/lib/i18n/server-text";

/*
 * Every English text the console can show from the server side has a Simplified Chinese
 * translation in the `server` namespace (lib/i18n/server-text.ts translates them at the edge).
 *
 * 1. Read from the source: the modules the console's pages and server actions reach (followed
 *    through their imports from app/(console) and app/(auth)) are parsed, and every message they
 *    can hand the console is collected: the messages of the AppErrors they throw (and the field
 *    errors thrown with them), the zod schemas' messages (`.min(2, "…")`, `{ message: "…" }`,
 *    `{ error: "…" }`), and the actions' own answers (`message: "…"`). A template literal becomes
 *    its text with a sample value for each interpolation (constants are looked up; a conditional
 *    gives both branches), so `Project ${name} already exists.` is checked against the catalogue's
 *    `A project named {name} already exists.`. A new message without a translation fails here.
 * 2. Run: every zod schema that lib/validation and lib/policy export is parsed with hostile inputs
 *    (missing, empty, too long, control characters, not a number, negative…), and every field error
 *    that comes out, zod's own default messages included, must translate.
 * 3. The catalogue's templates: each one translates with its own key (none swallowed by another),
 *    and none is so bare (`{message}`, `{name}: {detail}`) that it would swallow unrelated texts.
 */
const ROOT = path.resolve(__dirname, "../..");
const SAMPLE = "x1";

/** Where the console starts: its pages, layouts and server actions (not the REST API or /v2). */
const ROOTS = ["app/(console)", "app/(auth)", "lib/actions"];

/**
 * Reachable modules whose messages never reach the console, and why. Kept short: a module listed
 * here is not checked at all.
 */
const NOT_CONSOLE: Record<string, string> = {
  "lib/services/auth/verify-registry-credentials.ts": "docker/podman login (the registry's Basic auth), answered to registry clients",
  "lib/services/registry-auth/issue-token.ts": "the registry token service, answered to registry clients",
  "lib/services/registry-auth/scope.ts": "the registry token service's scope parser, answered to registry clients",
  "lib/services/system/metrics-snapshot.ts": "the /metrics endpoint, answered to a metrics scraper",
  "lib/services/system/ensure-initial-admin.ts": "start-up: a misconfigured WHARF_ADMIN_PASSWORD stops the server",
  "lib/services/scan/adapter-requests.ts": "the built-in scanner adapter's API, answered to Wharf's own scan jobs",
  "lib/services/repositories/import-archive.ts": "the REST upload of an image archive (the console has no such form)",
  "lib/validation/basic-credentials.ts": "HTTP Basic credentials of REST and registry clients",
  "lib/validation/artifact-archive.ts": "the REST download's query parameters",
  "lib/services/auth/sign-in.ts": "sign-in refusals: the sign-in form maps them to its own texts (signIn namespace)",
  "lib/services/identity/external-users.ts": "sign-in refusals of LDAP and OIDC accounts: the sign-in page maps them to its own texts",
  "lib/services/identity/oidc/sign-in.ts": "OIDC sign-in refusals: the sign-in page maps their codes to its own texts",
  "lib/services/webhooks/deliver.ts": "the delivery job: its lines are the delivery's log, recorded as they are",
};

/** Texts collected that are not shown as they are, and why. */
const NOT_SHOWN = new Map<string, string>([
  ["Enter the code from your authenticator app.", "TWO_FACTOR_REQUIRED: a marker the sign-in form recognises in English, never shown"],
  // Not catalogued: `<project>` reads as an ICU tag, which the build's precompiled catalogue refuses.
  [
    "Expected <project>/<repository>:<tag> or <project>/<repository>@sha256:<64 hex>.",
    "ZCopyArtifact's `from`: a hidden field the copy form fills (REST clients read the English)",
  ],
]);

function sourceFiles(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!existsSync(abs)) return [];
  if (statSync(abs).isFile()) return [dir];
  return readdirSync(abs).flatMap((name) => {
    const rel = path.join(dir, name);
    if (statSync(path.join(ROOT, rel)).isDirectory()) return sourceFiles(rel);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [rel] : [];
  });
}

const parsed = new Map<string, ts.SourceFile>();
function parse(file: string): ts.SourceFile {
  let source = parsed.get(file);
  if (!source) {
    source = ts.createSourceFile(file, readFileSync(path.join(ROOT, file), "utf8"), ts.ScriptTarget.Latest, true);
    parsed.set(file, source);
  }
  return source;
}

/** The project's own modules a module imports (value and type imports alike: a type file may hold constants too). */
function localImports(file: string): string[] {
  const out: string[] = [];
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const local = resolveLocalModule(node.moduleSpecifier.text, file);
      if (local) out.push(local);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      const local = resolveLocalModule(node.arguments[0].text, file);
      if (local) out.push(local);
    }
    ts.forEachChild(node, visit);
  };
  visit(parse(file));
  return out;
}

/** Every project module the console reaches. */
function consoleModules(): string[] {
  const seen = new Set<string>();
  const queue = ROOTS.flatMap(sourceFiles);
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    queue.push(...localImports(file));
  }
  return [...seen].filter((f) => MESSAGE_MODULES.test(f) && !(f in NOT_CONSOLE)).sort();
}

/**
 * The value of a module-level constant a message interpolates (`PASSWORD_RULE_TEXT`,
 * `PATTERN_MAX_LENGTH = 256`, `64 * 1024`), looked up where the module declares or imports it.
 */
function constantIn(file: string, name: string, depth = 0): string | null {
  if (depth > 5) return null;
  const source = parse(file);
  for (const statement of source.statements) {
    if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) {
        if (ts.isIdentifier(d.name) && d.name.text === name && d.initializer) return evaluate(file, d.initializer, depth + 1);
      }
    } else if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const named = statement.importClause?.namedBindings;
      const element = named && ts.isNamedImports(named) ? named.elements.find((e) => e.name.text === name) : undefined;
      const from = element && resolveLocalModule(statement.moduleSpecifier.text, file);
      if (element && from) return constantIn(from, (element.propertyName ?? element.name).text, depth + 1);
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) {
      const clause = statement.exportClause;
      const element = clause && ts.isNamedExports(clause) ? clause.elements.find((e) => e.name.text === name) : undefined;
      const from = element && resolveLocalModule(statement.moduleSpecifier.text, file);
      if (element && from) return constantIn(from, (element.propertyName ?? element.name).text, depth + 1);
    }
  }
  return null;
}

/** A constant's initializer: a literal, or arithmetic over literals and other constants. */
function evaluate(file: string, node: ts.Expression, depth: number): string | null {
  node = unwrap(node);
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isNumericLiteral(node)) return String(Number(node.text.replace(/_/g, "")));
  if (ts.isIdentifier(node)) return constantIn(file, node.text, depth + 1);
  if (ts.isBinaryExpression(node)) {
    const a = Number(evaluate(file, node.left, depth + 1) ?? NaN);
    const b = Number(evaluate(file, node.right, depth + 1) ?? NaN);
    const op = node.operatorToken.kind;
    const value = op === ts.SyntaxKind.AsteriskToken ? a * b : op === ts.SyntaxKind.PlusToken ? a + b : op === ts.SyntaxKind.MinusToken ? a - b : NaN;
    return Number.isFinite(value) ? String(value) : null;
  }
  return null;
}

function unwrap(node: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node) || ts.isNonNullExpression(node)) node = node.expression;
  return node;
}

/** The declaration of `name` in the scopes around `at` (innermost first), if it is a `const` with an initializer. */
function localInitializer(at: ts.Node, name: string): ts.Expression | null {
  for (let scope: ts.Node | undefined = at.parent; scope; scope = scope.parent) {
    const statements = ts.isBlock(scope) || ts.isSourceFile(scope) || ts.isModuleBlock(scope) ? scope.statements : null;
    if (!statements) continue;
    for (const statement of statements) {
      if (!ts.isVariableStatement(statement)) continue;
      for (const d of statement.declarationList.declarations) {
        if (ts.isIdentifier(d.name) && d.name.text === name && d.initializer) return d.initializer;
      }
    }
  }
  return null;
}

const MAX_VARIANTS = 32;

/** The texts an expression can be: literals as they are, interpolations as constants or SAMPLE. */
function variants(node: ts.Expression, depth = 0): string[] {
  node = unwrap(node);
  if (depth > 6) return [SAMPLE];
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return [node.text];
  if (ts.isNumericLiteral(node)) return [String(Number(node.text.replace(/_/g, "")))];
  if (ts.isTemplateExpression(node)) {
    let out = [node.head.text];
    for (const span of node.templateSpans) {
      const inner = variants(span.expression, depth + 1);
      out = out.flatMap((prefix) => inner.map((v) => prefix + v + span.literal.text)).slice(0, MAX_VARIANTS);
    }
    return out;
  }
  if (ts.isConditionalExpression(node)) return [...variants(node.whenTrue, depth + 1), ...variants(node.whenFalse, depth + 1)];
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const left = variants(node.left, depth + 1);
    const right = variants(node.right, depth + 1);
    return left.flatMap((l) => right.map((r) => l + r)).slice(0, MAX_VARIANTS);
  }
  if (ts.isBinaryExpression(node) && (node.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken || node.operatorToken.kind === ts.SyntaxKind.BarBarToken)) {
    return variants(node.left, depth + 1);
  }
  if (ts.isElementAccessExpression(node) && ts.isIdentifier(node.expression)) {
    // `WHERE[where]` of a constant record of texts: each of its texts.
    const record = objectTexts(node.expression);
    if (record.length) return record.flatMap((v) => variants(v, depth + 1)).slice(0, MAX_VARIANTS);
  }
  if (ts.isIdentifier(node)) {
    const local = localInitializer(node, node.text);
    if (local && isTextual(local)) return variants(local, depth + 1);
    const constant = constantIn(node.getSourceFile().fileName, node.text);
    if (constant !== null) return [constant];
  }
  return [SAMPLE];
}

/** The texts of a `const NAME = { a: "…", b: "…" }` record an identifier names. */
function objectTexts(name: ts.Identifier): ts.Expression[] {
  const init = localInitializer(name, name.text);
  if (!init) return [];
  const record = unwrap(init);
  if (!ts.isObjectLiteralExpression(record)) return [];
  return record.properties.flatMap((p) => (ts.isPropertyAssignment(p) && isTextual(p.initializer) ? [p.initializer] : []));
}

/** Whether an expression is text a message is made of (not a variable holding anything). */
function isTextual(node: ts.Expression): boolean {
  node = unwrap(node);
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node)) return true;
  if (ts.isConditionalExpression(node)) return isTextual(node.whenTrue) || isTextual(node.whenFalse);
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) return isTextual(node.left) || isTextual(node.right);
  if (ts.isElementAccessExpression(node) && ts.isIdentifier(node.expression)) return objectTexts(node.expression).length > 0;
  if (ts.isIdentifier(node)) {
    const local = localInitializer(node, node.text);
    if (local) return isTextual(local);
    const constant = constantIn(node.getSourceFile().fileName, node.text);
    return constant !== null && !/^-?\d+$/.test(constant);
  }
  return false;
}

/** AppError and its subclasses whose first constructor argument is the message. */
function messageFirstErrorClasses(): Set<string> {
  const parents = new Map<string, { parent: string; messageFirst: boolean | null }>();
  for (const file of sourceFiles("lib")) {
    const visit = (node: ts.Node) => {
      if (ts.isClassDeclaration(node) && node.name) {
        const parent = node.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0]?.expression;
        if (parent && ts.isIdentifier(parent)) {
          const ctor = node.members.find(ts.isConstructorDeclaration);
          const first = ctor?.parameters[0]?.name;
          parents.set(node.name.text, { parent: parent.text, messageFirst: ctor ? Boolean(first && ts.isIdentifier(first) && first.text === "message") : null });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(parse(file));
  }
  const out = new Set<string>();
  const qualifies = (name: string, seen = 0): boolean => {
    if (name === "AppError") return true;
    const c = parents.get(name);
    if (!c || seen > 10 || !isAppError(name)) return false;
    return c.messageFirst ?? qualifies(c.parent, seen + 1);
  };
  const isAppError = (name: string): boolean => {
    for (let n: string | undefined = name, i = 0; n && i < 12; n = parents.get(n)?.parent, i++) if (n === "AppError") return true;
    return false;
  };
  for (const name of parents.keys()) if (qualifies(name)) out.add(name);
  out.add("AppError");
  return out;
}

/** zod checks whose message is the last argument after a bound (`.min(2, "…")`), or any argument (`.email("…")`). */
const ZOD_BOUNDED = new Set(["min", "max", "length", "gte", "gt", "lte", "lt", "regex", "refine", "multipleOf"]);
const ZOD_MESSAGE_ONLY = new Set(["email", "url", "int", "positive", "nonnegative", "negative", "nonpositive", "nonempty", "uuid"]);
const MESSAGE_PROPERTIES = new Set(["message", "invalid"]);

/** Whether `{ error: … }` is a zod schema's message (`z.string({ error: "…" })`, `.min(0, { error: "…" })`), not a record's field. */
function isZodErrorOption(property: ts.PropertyAssignment): boolean {
  const call = property.parent.parent;
  if (!ts.isCallExpression(call)) return false;
  const callee = call.expression;
  if (ts.isPropertyAccessExpression(callee) && (ZOD_BOUNDED.has(callee.name.text) || ZOD_MESSAGE_ONLY.has(callee.name.text))) return true;
  let root: ts.Expression = callee;
  while (ts.isPropertyAccessExpression(root) || ts.isCallExpression(root)) root = root.expression;
  return ts.isIdentifier(root) && root.text === "z";
}

/** The modules whose messages are collected: the console's own, its services, schemas and sign-in. */
const MESSAGE_MODULES = /^(app\/|lib\/(actions|services|validation|policy|auth)\/|lib\/errors\.ts$|lib\/api\/errors\.ts$)/;

type Found = { file: string; line: number; text: string };

function collect(files: string[]): Found[] {
  const errorClasses = messageFirstErrorClasses();
  const found: Found[] = [];
  for (const file of files) {
    const source = parse(file);
    const isActionModule = /actions?\.ts$|-actions\.ts$/.test(file) || file.startsWith("lib/actions/");
    const scanProperties = !file.startsWith("app/") || isActionModule;
    const add = (node: ts.Expression, { always = false } = {}) => {
      const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      if (!always && !isTextual(node)) return;
      const texts = variants(node);
      for (const text of texts) {
        // Nothing but interpolations: a message made elsewhere (collected where it is made, if it is).
        if (!/[A-Za-z]{2,}/.test(text.split(SAMPLE).join(" "))) continue;
        found.push({ file, line, text });
      }
    };
    const addFieldErrors = (node: ts.Expression) => {
      node = unwrap(node);
      if (ts.isObjectLiteralExpression(node)) {
        for (const p of node.properties) if (ts.isPropertyAssignment(p)) addFieldErrors(p.initializer);
      } else if (ts.isArrayLiteralExpression(node)) {
        for (const e of node.elements) if (!ts.isSpreadElement(e)) add(e);
      }
    };
    const visit = (node: ts.Node) => {
      if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && errorClasses.has(node.expression.text)) {
        const [message, fields] = node.arguments ?? [];
        if (message) add(message, { always: true });
        if (fields) addFieldErrors(fields);
      } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.SuperKeyword) {
        // A subclass that makes its own message (ProjectNotEmptyError, SignInLockedError).
        const cls = findClass(node);
        if (cls && extendsError(cls) && node.arguments[0]) add(node.arguments[0]);
      } else if (ts.isParameter(node) && ts.isIdentifier(node.name) && node.name.text === "message" && node.initializer) {
        // A default message (ForbiddenError's, DirectoryUnavailableError's).
        const cls = findClass(node);
        if (cls && extendsError(cls)) add(node.initializer);
      } else if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
        const method = node.expression.name.text;
        node.arguments.forEach((arg, i) => {
          if ((ZOD_BOUNDED.has(method) && i >= 1) || ZOD_MESSAGE_ONLY.has(method)) {
            if (isTextual(arg)) add(arg);
          }
        });
      } else if (scanProperties && ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && MESSAGE_PROPERTIES.has(node.name.text)) {
        if (isTextual(node.initializer)) add(node.initializer);
      } else if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && node.name.text === "error" && isZodErrorOption(node)) {
        if (isTextual(node.initializer)) add(node.initializer);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

function findClass(node: ts.Node): ts.ClassDeclaration | null {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) if (ts.isClassDeclaration(n)) return n;
  return null;
}
function extendsError(cls: ts.ClassDeclaration): boolean {
  const parent = cls.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0]?.expression;
  return Boolean(parent && ts.isIdentifier(parent) && /Error$/.test(parent.text) && parent.text !== "Error");
}

function untranslated(texts: Found[]): string[] {
  const out = new Set<string>();
  for (const { file, line, text } of texts) {
    if (NOT_SHOWN.has(text)) continue;
    if (translateServerText(text, "zh-CN") === text) out.add(`${file}:${line}: ${JSON.stringify(text)}`);
  }
  return [...out];
}

describe("server texts the console shows from the source", () => {
  const modules = consoleModules();
  const found = collect(modules);

  it("reaches the console's services, schemas and actions", () => {
    for (const f of [
      "lib/services/projects/create-project.ts",
      "lib/services/members/members.ts",
      "lib/services/robots/robots.ts",
      "lib/services/replication/policies.ts",
      "lib/services/retention/policies.ts",
      "lib/services/webhooks/policies.ts",
      "lib/validation/users.ts",
      "lib/validation/ldap.ts",
      "lib/policy/selectors.ts",
      "lib/errors.ts",
    ]) {
      expect(modules, f).toContain(f);
    }
    expect(modules).not.toContain("lib/services/registry-auth/scope.ts");
  });

  it("collects the messages, interpolated ones with sample values", () => {
    const texts = new Set(found.map((f) => f.text));
    expect(texts.size).toBeGreaterThan(400);
    // An error's literal, a template with a looked-up constant, a conditional's branches, a field error,
    // a zod message, a const message used by a template, an action's answer.
    for (const text of [
      "You do not have permission to do that.",
      `A project named ${SAMPLE} already exists.`,
      "Password must be 8-128 characters, with at least one uppercase letter, one lowercase letter and one digit",
      "Only administrators may create projects.",
      "You may not create projects.",
      "This name is already used by another registry endpoint",
      "Project name must be 2-255 characters",
      "requireAdminTwoFactor: Turn on your own two-factor sign-in first (Account): requiring it now would pause your administrator rights",
      `Webhook ${SAMPLE} created.`,
    ]) {
      expect(texts, text).toContain(text);
    }
    // And the check below tells an uncatalogued one.
    expect(untranslated([{ file: "new.ts", line: 1, text: "A message nobody catalogued yet." }])).toHaveLength(1);
  });

  it("has a Simplified Chinese translation for every one", () => {
    expect(untranslated(found)).toEqual([]);
  });
});

/** Hostile values for every field of a form schema. */
const HOSTILE: unknown[] = [undefined, "", " ", "x".repeat(5000), "a\u0001b", "-1", "1.5", "abc", "0", "99999999999999", "-----BEGIN", "ldap://", "http://user:pw@host/?q#f", "*/", "/", "{a", "[", 3.5, -7, true, null, [], {}];

function isSchema(value: unknown): value is z.ZodType {
  return value instanceof z.ZodType;
}

/** The field errors a schema gives for hostile inputs (all its fields set to one hostile value at a time). */
function fieldErrorMessages(schema: z.ZodType): string[] {
  const messages = new Set<string>();
  const inputs: unknown[] = [...HOSTILE];
  const shape = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
  if (shape.length) {
    for (const v of HOSTILE) inputs.push(Object.fromEntries(shape.map((k) => [k, v])));
    // One field wrong at a time with the others plausible, so cross-field refinements run too.
    for (const k of shape) for (const v of HOSTILE) inputs.push({ ...Object.fromEntries(shape.map((s) => [s, "1"])), [k]: v });
  }
  for (const input of inputs) {
    let result: ReturnType<z.ZodType["safeParse"]>;
    try {
      result = schema.safeParse(input);
    } catch {
      continue; // A transform that throws on nonsense is not a field error.
    }
    if (!result.success) for (const issue of result.error.issues) messages.add(issue.message);
  }
  return [...messages];
}

describe("server texts the console shows from parsing", () => {
  it("translates every field error of every lib/validation and lib/policy schema for hostile inputs", async () => {
    const files = [...sourceFiles("lib/validation"), ...sourceFiles("lib/policy")].filter((f) => !(f in NOT_CONSOLE));
    const missing = new Set<string>();
    let schemas = 0;
    let messages = 0;
    for (const file of files) {
      const mod = (await import(path.join(ROOT, file))) as Record<string, unknown>;
      for (const [name, value] of Object.entries(mod)) {
        if (!isSchema(value)) continue;
        schemas++;
        for (const message of fieldErrorMessages(value)) {
          messages++;
          if (!NOT_SHOWN.has(message) && translateServerText(message, "zh-CN") === message) missing.add(`${file} ${name}: ${JSON.stringify(message)}`);
        }
      }
    }
    expect(schemas).toBeGreaterThan(60);
    expect(messages).toBeGreaterThan(300);
    expect([...missing]).toEqual([]);
  });
});

describe("the server catalogue's templates", () => {
  const english = en.server as Record<string, string>;
  const chinese = zhCN.server as Record<string, string>;
  const fill = (template: string) => template.replace(/\{(\w+)\}/g, (_, n: string) => `<${n}>`);

  it("each translate with their own key: no other template swallows one", () => {
    const swallowed: string[] = [];
    for (const [key, text] of Object.entries(english)) {
      if (!/\{\w+\}/.test(text)) continue;
      const translated = translateServerText(fill(text), "zh-CN");
      // Two keys may hold the same English (`Dry run #{id} started.` of retention and of GC): either translation.
      const own = Object.keys(english).filter((k) => english[k] === text).map((k) => fill(chinese[k]!));
      if (!own.includes(translated)) swallowed.push(`${key}: ${translated}`);
    }
    expect(swallowed).toEqual([]);
  });

  it("hold enough fixed words around their placeholders not to swallow unrelated texts", () => {
    const greedy = Object.entries(english)
      .filter(([, text]) => /\{\w+\}/.test(text))
      .filter(([, text]) => {
        const fixed = text.replace(/\{\w+\}/g, " ");
        return (fixed.match(/[A-Za-z]/g) ?? []).length < 5 || !/[A-Za-z]{3,}/.test(fixed);
      })
      .map(([key]) => key);
    expect(greedy).toEqual([]);
  });
});
