import { NextIntlClientProvider } from "next-intl";
import { createElement, type ReactNode } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { beforeAll, describe, expect, it, vi } from "vitest";

// The page and its project loader read their caller from the session cookie; here the caller is chosen.
const state = vi.hoisted(() => ({ actor: undefined as unknown }));
vi.mock("@/lib/auth/session", () => ({ getActor: async () => state.actor, requireUserActor: async () => state.actor }));

import ExecutionPage from "@/app/(console)/projects/[projectId]/policy/executions/[executionId]/page";
import { retentionRepositoryJob, retentionRunJob } from "@/lib/jobs/definitions";
import { createProject } from "@/lib/services/registry-auth/test-fixtures";
import { actorFor, createTestUser, db } from "@/lib/testing/factories";
import messages from "@/messages/en.json";

/*
 * A retention execution's page, rendered as the server renders it on real Postgres: its tasks
 * (20 a page, `tasks`) and its decisions (the console's `page`/`pageSize`) page through the shared
 * paging schema, each pager keeping the other's place. The execution is written directly: 21
 * tasks (child runs of its run) and 30 decisions, 10 of them removals.
 */

let projectId: number;
let executionId: number;
let base: string;

beforeAll(async () => {
  state.actor = actorFor(await createTestUser({ isAdmin: true }));
  const project = await createProject();
  projectId = project.id;
  const policy = await db.retentionPolicy.create({ data: { projectId } });
  const run = await db.jobRun.create({ data: { jobName: retentionRunJob.id, jobVersion: 1, trigger: "tests", status: "succeeded", startedAt: new Date(), finishedAt: new Date() } });
  executionId = (await db.retentionExecution.create({ data: { policyId: policy.id, projectId, runId: run.id, dryRun: true, trigger: "tests", rules: [], startedAt: new Date() } })).id;
  await db.jobRun.createMany({
    data: Array.from({ length: 21 }, (_, i) => ({
      jobName: retentionRepositoryJob.id,
      jobVersion: 1,
      trigger: "tests",
      status: "succeeded" as const,
      parentRunId: run.id,
      payload: { executionId, repositoryId: 1000 + i, repository: `${project.name}/repo-${String(i).padStart(2, "0")}` },
    })),
  });
  await db.retentionResult.createMany({
    data: Array.from({ length: 30 }, (_, i) => ({
      executionId,
      repositoryId: 1000,
      repository: `${project.name}/repo-00`,
      digest: `sha256:${String(i).padStart(64, "0")}`,
      tags: [`t${i}`],
      decision: i % 3 === 0 ? "remove" : "retain",
      reason: "tests",
    })),
  });
  base = `/projects/${projectId}/policy/executions/${executionId}`;
});

async function render(searchParams: Record<string, string>) {
  const page = await ExecutionPage({ params: Promise.resolve({ projectId: String(projectId), executionId: String(executionId) }), searchParams: Promise.resolve(searchParams) });
  // eslint-disable-next-line react/no-children-prop -- the provider's props type requires children (a .ts file, no JSX)
  const html = renderToStaticMarkup(createElement(NextIntlClientProvider, { locale: "en", messages, timeZone: "UTC", children: page as ReactNode }));
  const hrefs = [...html.matchAll(/<a [^>]*>[^<]*/g)].map(([a]) => ({ href: /\bhref="([^"]*)"/.exec(a)?.[1]?.replaceAll("&amp;", "&"), rel: /\brel="([^"]*)"/.exec(a)?.[1], text: a.slice(a.indexOf(">") + 1) }));
  return {
    tasks: html.match(/data-testid="task-/g)?.length ?? 0,
    results: html.match(/data-testid="result-/g)?.length ?? 0,
    link: (text: string) => hrefs.find((l) => l.text === text)?.href,
    rel: (rel: string) => hrefs.find((l) => l.rel === rel)?.href,
  };
}

describe("a retention execution's page", () => {
  it("shows 20 tasks and the console's 25 decisions a page, with links to the next of each", async () => {
    const view = await render({});
    expect(view).toMatchObject({ tasks: 20, results: 25 });
    expect(view.link("Next tasks")).toBe(`${base}?tasks=2`);
    expect(view.rel("next")).toBe(`${base}?page=2`);
  });

  it("keeps each pager's place in the other's links, and the filter's", async () => {
    const view = await render({ tasks: "2", decision: "remove", page: "2", pageSize: "4" });
    expect(view).toMatchObject({ tasks: 1, results: 4 });
    expect(view.link("Previous tasks")).toBe(`${base}?decision=remove&page=2&pageSize=4`);
    expect(view.link("All")).toBe(`${base}?tasks=2&pageSize=4`);
    expect(view.rel("prev")).toBe(`${base}?decision=remove&tasks=2&pageSize=4&page=1`);
    expect(view.rel("next")).toBe(`${base}?decision=remove&tasks=2&pageSize=4&page=3`);
  });

  it.each(["0", "-1", "1.5", "1e1", "0x2", "abc", "99999999999999999999"])("falls back to the first page and 25 rows for %s, never an error", async (bad) => {
    expect(await render({ tasks: bad, page: bad, pageSize: bad })).toMatchObject({ tasks: 20, results: 25 });
  });
});
