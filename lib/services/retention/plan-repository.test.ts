import { describe, expect, it } from "vitest";
import type { DbTransaction } from "@/lib/db/client";
import type { RetentionRule } from "@/lib/policy/retention";
import { ALL_REPOSITORIES, ALL_TAGS, type TagSelector } from "@/lib/policy/selectors";
import type { ImmutableTagGuard } from "@/lib/services/tag-policy/decision";
import { planRepository, type PlannedArtifact } from "./plan-repository";

/**
 * Issue 10's deletion semantics as properties of the plan, over thousands of random repositories.
 * planRepository reads one repository's rows with a single `artifact.findMany`; here that read is
 * answered from a random in-memory repository (images, indexes with children, a child shared by
 * two indexes, signatures and SBOMs on images and indexes, several tags on one digest, untagged
 * artifacts, tagged children, tags moved after the start), so the whole decision logic runs as in
 * a real run. lib/services/retention/retention.test.ts runs the same invariants through Postgres,
 * the job worker and the registry on fewer, larger repositories.
 */

const REPOSITORIES = 3000;
const START = new Date("2026-12-04T12:00:00.000Z");
const DAY = 86_400_000;

type Row = {
  id: number;
  digest: string;
  pushedAt: Date;
  pulledAt: Date | null;
  subjectArtifactId: number | null;
  subjectDigest: string | null;
  tags: { name: string; pushedAt: Date }[];
  labels: { label: { name: string } }[];
  children: { childId: number | null }[];
  parents: { parentId: number }[];
};

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomRepository(random: () => number): Row[] {
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const rows: Row[] = [];
  const time = () => new Date(START.getTime() - Math.floor(random() * 8) * DAY);
  const add = (extra: Partial<Row> = {}): Row => {
    const id = rows.length + 1;
    // A few artifacts (and below, a few tags) arrive after the run started.
    const pushedAt = random() < 0.05 ? new Date(START.getTime() + 1000) : time();
    const row: Row = { id, digest: `sha256:${id.toString(16).padStart(64, "0")}`, pushedAt, pulledAt: random() < 0.4 ? null : time(), subjectArtifactId: null, subjectDigest: null, tags: [], labels: [], children: [], parents: [], ...extra };
    rows.push(row);
    return row;
  };
  const images = Array.from({ length: 1 + Math.floor(random() * 12) }, () => add());
  const indexes = Array.from({ length: Math.floor(random() * 3) }, () => add());
  const children: Row[] = [];
  for (const index of indexes) {
    const mine = Array.from({ length: 1 + Math.floor(random() * 3) }, () => add());
    // Sometimes a child an earlier index lists too.
    if (children.length > 0 && random() < 0.5) mine.push(pick(children));
    for (const child of mine) {
      index.children.push({ childId: child.id });
      child.parents.push({ parentId: index.id });
    }
    children.push(...mine.filter((c) => !children.includes(c)));
  }
  const subjects = [...images, ...indexes];
  for (let i = Math.floor(random() * 4); i > 0; i--) {
    const subject = pick(subjects);
    // Linked by id, or only by digest (the subject indexed after its accessory).
    add(random() < 0.8 ? { subjectArtifactId: subject.id, subjectDigest: subject.digest } : { subjectDigest: subject.digest });
  }
  const taggable = [...images, ...indexes, ...(random() < 0.3 ? children : [])];
  const tagPool = ["latest", "stable", "v1", "v1.1", "v2", "release-1", "dev-1", "dev-2", "rc"];
  for (const name of tagPool) {
    if (random() < 0.55) {
      const pushedAt = random() < 0.05 ? new Date(START.getTime() + 1000) : time();
      pick(taggable).tags.push({ name, pushedAt });
    }
  }
  return rows;
}

function randomRules(random: () => number): RetentionRule[] {
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const tagSelectors: TagSelector[] = [
    ALL_TAGS,
    { decoration: "matches", kind: "doublestar", pattern: "{latest,v*}", untagged: false },
    { decoration: "excludes", kind: "regex", pattern: "dev-[0-9]+", untagged: random() < 0.5 },
  ];
  const rules: RetentionRule[] = [];
  for (let r = Math.floor(random() * 3); r > 0; r--) {
    const selectors = { repositories: ALL_REPOSITORIES, tags: pick(tagSelectors), disabled: random() < 0.1 };
    const template = pick(["latestPushedK", "latestPulledN", "nDaysSinceLastPush", "nDaysSinceLastPull", "always"] as const);
    const n = Math.floor(random() * 5);
    if (template === "latestPushedK" || template === "latestPulledN") rules.push({ ...selectors, template, count: n });
    else if (template === "always") rules.push({ ...selectors, template });
    else rules.push({ ...selectors, template, days: n });
  }
  return rules;
}

/** The one read planRepository makes, answered from the rows (in the order given). */
function txOver(rows: readonly Row[]): DbTransaction {
  return { artifact: { findMany: async () => rows.map((r) => structuredClone(r)) } } as unknown as DbTransaction;
}

const byDecision = (plan: readonly PlannedArtifact[]) => new Map(plan.map((p) => [p.digest, p.decision]));

describe("planRepository over random repositories (property)", () => {
  it(`on ${REPOSITORIES} random repositories: nothing immutable, reachable from what is kept or pushed after the start is removed (what each rule keeps: lib/policy/retention.test.ts); a removed artifact's accessories go with it; the same state gives the same plan in any order`, async () => {
    const totals = { removed: 0, protectedKept: 0, childKept: 0, accessoryRemoved: 0, lateKept: 0 };
    for (let seed = 1; seed <= REPOSITORIES; seed++) {
      const random = mulberry32(seed);
      const rows = randomRepository(random);
      const rules = randomRules(random);
      // "release-*" is immutable in half the repositories.
      const immutableOn = random() < 0.5;
      const immutable: ImmutableTagGuard = (tag) => (immutableOn && tag.startsWith("release-") ? { ruleId: 1, description: "immutability rule 1 (release-*)" } : null);
      const input = { repositoryId: 1, repository: "p/app", rules, startedAt: START, immutable };
      const plan = await planRepository(txOver(rows), input);
      const decision = byDecision(plan);
      const removed = new Set(plan.filter((p) => p.decision === "remove").map((p) => p.digest));
      const where = `seed ${seed}`;

      // Each artifact is decided at most once.
      expect(plan.length, where).toBe(decision.size);
      const byId = new Map(rows.map((r) => [r.id, r]));
      const byDigest = new Map(rows.map((r) => [r.digest, r]));
      const subjectOf = (r: Row) => (r.subjectArtifactId !== null ? byId.get(r.subjectArtifactId) : r.subjectDigest !== null ? byDigest.get(r.subjectDigest) : undefined);
      const late = (r: Row) => r.pushedAt > START || r.tags.some((t) => t.pushedAt > START);

      // What survives: everything not removed. Closure properties over it.
      for (const r of rows) {
        const gone = removed.has(r.digest);
        if (!gone) continue;
        totals.removed++;
        // An artifact carrying an immutable tag is never removed.
        expect(r.tags.some((t) => immutable(t.name) !== null), `${where}: ${r.digest} carries an immutable tag`).toBe(false);
        // Nothing pushed (or tagged) after the start is removed.
        expect(late(r), `${where}: ${r.digest} was pushed after the start`).toBe(false);
        // A child of a surviving index is never removed.
        for (const p of r.parents) expect(removed.has(byId.get(p.parentId)!.digest), `${where}: ${r.digest} is a child of a kept index`).toBe(true);
        // An accessory of a surviving artifact is never removed.
        const subject = subjectOf(r);
        if (subject) expect(removed.has(subject.digest), `${where}: ${r.digest} is an accessory of a kept artifact`).toBe(true);
        // A removed artifact's accessories go with it, unless one of them is itself protected.
        for (const a of rows.filter((x) => subjectOf(x) === r)) {
          const protectedAccessory = late(a) || a.tags.some((t) => immutable(t.name) !== null);
          if (!protectedAccessory) {
            expect(removed.has(a.digest), `${where}: ${a.digest}, accessory of removed ${r.digest}, stays behind`).toBe(true);
            totals.accessoryRemoved++;
          }
        }
      }
      for (const r of rows) {
        if (removed.has(r.digest)) continue;
        if (r.tags.some((t) => immutable(t.name) !== null)) totals.protectedKept++;
        if (late(r)) totals.lateKept++;
        if (r.parents.length > 0) totals.childKept++;
      }

      // Dry and real run read the same state, maybe in another order: the same decisions.
      const again = byDecision(await planRepository(txOver([...rows].sort(() => random() - 0.5)), input));
      expect(again, where).toEqual(decision);
      // Once the removals are done, a second run over what is left removes nothing more that
      // the first kept (the survivors' decisions are stable).
      const survivors = rows
        .filter((r) => !removed.has(r.digest))
        .map((r) => ({ ...r, children: r.children.filter((c) => !removed.has(byId.get(c.childId!)!.digest)), parents: r.parents.filter((p) => !removed.has(byId.get(p.parentId)!.digest)) }));
      const second = await planRepository(txOver(survivors), input);
      const keptByFirst = new Set(plan.filter((p) => p.decision === "retain").map((p) => p.digest));
      for (const p of second) if (p.decision === "remove") expect(keptByFirst.has(p.digest), `${where}: ${p.digest} kept by the first run, removed by the second`).toBe(false);
    }
    // The random repositories exercise every case.
    expect(totals.removed).toBeGreaterThan(1000);
    expect(totals.protectedKept).toBeGreaterThan(100);
    expect(totals.childKept).toBeGreaterThan(100);
    expect(totals.accessoryRemoved).toBeGreaterThan(100);
    expect(totals.lateKept).toBeGreaterThan(100);
  }, 120_000);
});
