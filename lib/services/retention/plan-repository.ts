import "server-only";
import type { DbTransaction } from "@/lib/db/client";
import type { ImmutableTagGuard } from "@/lib/services/tag-policy/decision";
import { describeRetentionReason, evaluateRetention, type RetentionCandidate, type RetentionRule } from "@/lib/policy/retention";

/** What a retention run decides for one artifact of a repository. */
export type PlannedArtifact = {
  artifactId: number;
  digest: string;
  tags: string[];
  decision: "retain" | "remove";
  reason: string;
};

type Row = {
  id: number;
  digest: string;
  pushedAt: Date;
  pulledAt: Date | null;
  subjectArtifactId: number | null;
  subjectDigest: string | null;
  tags: { name: string; pushedAt: Date }[];
  /** Names of its labels, which label selectors read. */
  labels: { label: { name: string } }[];
  children: { childId: number | null }[];
  parents: { parentId: number }[];
};

const short = (digest: string) => digest.slice(0, 19);

/**
 * The decisions of one repository, read from the artifact index (Postgres) as it is now; a dry run
 * and a real run call this on the same state and get the same list, in the order a real run
 * deletes (an artifact's accessories before it, an index's children after it).
 *
 * The candidates are the artifacts a repository lists (not accessories, not untagged index
 * children) that were pushed at or before `startedAt`; lib/policy's evaluator decides on them with
 * `now = startedAt`. Then what must stay overrides it:
 * - anything pushed after the run started (the artifact, or a tag moved onto it) is kept, and is
 *   no candidate, so it does not take a place in a "latest K" either;
 * - an artifact carrying a tag an immutability rule protects is kept, its reason naming the rule;
 * - everything reachable from a kept artifact through index children and accessories is kept;
 * - a removed artifact takes its accessories and its index children with it, unless they are kept.
 * Tags point at one artifact each, so a removed artifact's digest carries no kept artifact's tag.
 */
export async function planRepository(
  tx: DbTransaction,
  {
    repositoryId,
    repository,
    rules,
    startedAt,
    immutable = () => null,
  }: {
    repositoryId: number;
    repository: string;
    rules: readonly RetentionRule[];
    startedAt: Date;
    /** The immutability rule protecting a tag of this repository (lib/services/tag-policy), or null. */
    immutable?: ImmutableTagGuard;
  },
): Promise<PlannedArtifact[]> {
  const rows: Row[] = await tx.artifact.findMany({
    where: { repositoryId },
    select: {
      id: true,
      digest: true,
      pushedAt: true,
      pulledAt: true,
      subjectArtifactId: true,
      subjectDigest: true,
      tags: { select: { name: true, pushedAt: true }, orderBy: { name: "asc" } },
      labels: { select: { label: { select: { name: true } } } },
      children: { select: { childId: true } },
      parents: { select: { parentId: true } },
    },
    orderBy: { id: "asc" },
  });
  const byId = new Map(rows.map((r) => [r.id, r]));
  const byDigest = new Map(rows.map((r) => [r.digest, r]));
  // Accessories by subject: linked by id, or (subject indexed after them, link not yet made) by digest.
  const accessoriesOf = new Map<number, Row[]>();
  for (const r of rows) {
    const subject = r.subjectArtifactId !== null ? byId.get(r.subjectArtifactId) : r.subjectDigest !== null ? byDigest.get(r.subjectDigest) : undefined;
    if (subject) accessoriesOf.set(subject.id, [...(accessoriesOf.get(subject.id) ?? []), r]);
  }
  const childrenOf = (r: Row) => r.children.flatMap((c) => (c.childId !== null && byId.has(c.childId) ? [byId.get(c.childId)!] : []));

  const start = startedAt.getTime();
  const pushedAfterStart = (r: Row) => r.pushedAt.getTime() > start || r.tags.some((t) => t.pushedAt.getTime() > start);
  const listed = (r: Row) => r.subjectDigest === null && (r.parents.length === 0 || r.tags.length > 0);

  const candidates = rows.filter((r) => listed(r) && !pushedAfterStart(r));
  const inputs: RetentionCandidate[] = candidates.map((r) => ({
    repository,
    digest: r.digest,
    tags: r.tags.map((t) => t.name),
    pushedAt: r.pushedAt,
    pulledAt: r.pulledAt,
    labels: r.labels.map((l) => l.label.name),
  }));
  const decisions = evaluateRetention({ rules, candidates: inputs, now: startedAt });

  const reasons = new Map<number, string>();
  const keptRoots: Row[] = [];
  const removedRoots: Row[] = [];
  // An artifact carrying an immutable tag stays whatever the rules say (its tags would go with it).
  const protectedBy = (r: Row): string | null => {
    for (const t of r.tags) {
      const rule = immutable(t.name);
      if (rule) return `tag ${t.name} is protected by ${rule.description}`;
    }
    return null;
  };
  const candidateIds = new Set(candidates.map((r) => r.id));
  candidates.forEach((r, i) => {
    const d = decisions[i]!;
    const guarded = d.action === "retain" ? null : protectedBy(r);
    reasons.set(r.id, guarded ?? describeRetentionReason(d.reason, rules));
    (d.action === "retain" || guarded ? keptRoots : removedRoots).push(r);
  });
  for (const r of rows) {
    if (pushedAfterStart(r)) {
      keptRoots.push(r);
      reasons.set(r.id, "pushed after the run started");
    } else if (!candidateIds.has(r.id)) {
      // A tagged accessory or child is no candidate but must not go with what it belongs to.
      const guarded = protectedBy(r);
      if (guarded) {
        keptRoots.push(r);
        reasons.set(r.id, guarded);
      }
    }
  }

  // Kept: the closure of the kept roots (and of every artifact the run does not plan to touch:
  // listed ones not removed) over children and accessories.
  const kept = new Map<number, string>();
  const keep = (r: Row, why: string) => {
    if (kept.has(r.id)) return;
    kept.set(r.id, why);
    for (const c of childrenOf(r)) keep(c, `child of ${short(r.digest)}, which is kept`);
    for (const a of accessoriesOf.get(r.id) ?? []) keep(a, `accessory of ${short(r.digest)}, which is kept`);
  };
  for (const r of keptRoots) keep(r, reasons.get(r.id)!);

  const plan: PlannedArtifact[] = [];
  const planned = new Set<number>();
  const entry = (r: Row, decision: PlannedArtifact["decision"], reason: string): PlannedArtifact => ({
    artifactId: r.id,
    digest: r.digest,
    tags: r.tags.map((t) => t.name),
    decision,
    reason: reason.slice(0, 1024),
  });
  // A removed artifact's accessories first (they name it), then it, then its children.
  const remove = (r: Row, why: string) => {
    if (planned.has(r.id) || kept.has(r.id)) return;
    planned.add(r.id);
    for (const a of accessoriesOf.get(r.id) ?? []) remove(a, `accessory of ${short(r.digest)}, which is removed`);
    plan.push(entry(r, "remove", why));
    for (const c of childrenOf(r)) {
      // A child another surviving index lists stays with it.
      if (c.parents.every((p) => p.parentId === r.id || planned.has(p.parentId) || removedRoots.some((x) => x.id === p.parentId))) {
        remove(c, `child of ${short(r.digest)}, which is removed`);
      }
    }
  };
  for (const r of candidates) {
    if (kept.has(r.id)) {
      planned.add(r.id);
      plan.push(entry(r, "retain", kept.get(r.id)!));
    } else remove(r, reasons.get(r.id)!);
  }
  // Listed artifacts pushed after the start are no candidates; they are recorded as kept too.
  for (const r of rows) {
    if (!planned.has(r.id) && listed(r) && kept.has(r.id)) {
      planned.add(r.id);
      plan.push(entry(r, "retain", kept.get(r.id)!));
    }
  }
  return plan;
}
