import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { assertProjectPermission, findProjectRef } from "@/lib/services/authz/project-access";
import { type Page, skipTake } from "@/lib/services/pagination";

/**
 * The record of every fetch from a proxy-cache project's upstream (issue 13 item 5): what was
 * fetched, how many bytes, from where, and whether it worked. Written by the proxy cache itself,
 * outside any user's transaction: a fetch is traffic, as pull counts are, not a change someone
 * made (the pull that caused it has its own `artifact.pull` audit row).
 */
export type ProxyFetchInput = {
  projectId: number;
  repository: string;
  upstreamRepository: string;
  kind: "manifest" | "blob";
  reference: string;
  digest: string | null;
  bytes: number;
  source: string;
  error?: string | null;
};

export async function recordProxyFetch(input: ProxyFetchInput): Promise<void> {
  const { error, ...rest } = input;
  try {
    await db.proxyFetch.create({
      data: { ...rest, bytes: BigInt(Math.max(0, Math.trunc(rest.bytes))), outcome: error ? "failed" : "ok", error: error ? error.slice(0, 1024) : null },
      select: { id: true },
    });
  } catch (failure) {
    // The pull goes on: a missing log line must not fail a client's download.
    console.warn(`wharf: proxy cache: cannot record a fetch of ${input.repository}@${input.reference}: ${String(failure)}`);
  }
}

export type ProxyFetchRow = {
  id: string;
  repository: string;
  upstreamRepository: string;
  kind: string;
  reference: string;
  digest: string | null;
  bytes: number;
  source: string;
  outcome: string;
  error: string | null;
  createdAt: Date;
};

/** A project's upstream fetches, newest first, a page at a time (anyone who may read the project's repositories). */
export async function listProxyFetches({ actor, projectName, page, pageSize }: { actor: Actor; projectName: string; page: number; pageSize: number }): Promise<Page<ProxyFetchRow>> {
  const project = await findProjectRef(projectName, { byName: true });
  await assertProjectPermission(actor, project, "repository:list");
  const where = { projectId: project.id };
  const [rows, total] = await Promise.all([
    db.proxyFetch.findMany({ where, orderBy: { id: "desc" }, ...skipTake(page, pageSize), omit: { projectId: true } }),
    db.proxyFetch.count({ where }),
  ]);
  return {
    rows: rows.map(({ id, bytes, ...row }) => ({ ...row, id: id.toString(), bytes: Number(bytes) })),
    total,
    page,
    pageSize,
  };
}
