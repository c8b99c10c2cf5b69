import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";

/*
 * The backing registry is down (here: a port nothing listens on, so every connection is refused):
 * REST answers 503 with Retry-After and a clear message instead of a 500, a server action answers
 * with a message the form shows, nothing is logged as a bug, and nothing changes.
 */

const state = vi.hoisted(async () => {
  const { findFreePort } = await import("@/lib/registry/local-registry");
  // A free port that stays unused: connections to it are refused.
  process.env.WHARF_REGISTRY_URL = `http://127.0.0.1:${await findFreePort()}`;
  process.env.WHARF_EXTERNAL_URL = "http://wharf.test:3000";
  return { actor: undefined as unknown };
});

vi.mock("@/lib/auth/session", async () => ({
  getActor: async () => (await state).actor,
  requireUserActor: async () => (await state).actor,
}));
vi.mock("next/cache", () => ({ revalidatePath: () => undefined, revalidateTag: () => undefined }));

import { deleteArtifactAction } from "@/app/(console)/projects/[projectId]/repositories/actions";
import * as buildHistoryRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/additions/build_history/route";
import * as artifactRoute from "@/app/api/v2.0/projects/[project_name_or_id]/repositories/[repository_name]/artifacts/[reference]/route";
import { apiRequest, basic, call, createTestUser, db, errorOf } from "@/lib/api/test-kit";
import { createProject } from "@/lib/services/registry-auth/test-fixtures";
import { actorFor } from "@/lib/testing/factories";

const DIGEST = `sha256:${"ab".repeat(32)}`;
let admin: Awaited<ReturnType<typeof createTestUser>>;
let project: { id: number; name: string };

beforeAll(async () => {
  admin = await createTestUser({ isAdmin: true });
  project = await createProject();
  // An indexed artifact (as a push through the gateway would leave it) whose registry is gone.
  const repository = await db.repository.create({ data: { projectId: project.id, name: `${project.name}/app`, artifactCount: 1 } });
  const artifact = await db.artifact.create({
    data: {
      repositoryId: repository.id,
      digest: DIGEST,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      artifactType: "application/vnd.oci.image.config.v1+json",
      manifestSize: 400,
      totalSize: 1000n,
      pushedAt: new Date(),
    },
  });
  await db.tag.create({ data: { repositoryId: repository.id, artifactId: artifact.id, name: "1.0", pushedAt: new Date() } });
});

afterEach(async () => {
  (await state).actor = undefined;
  vi.restoreAllMocks();
});

const params = (reference: string) => ({ project_name_or_id: project.name, repository_name: "app", reference });

describe("while the registry refuses connections", () => {
  it("REST: 503 with Retry-After and a clear message; no 500 logged", async () => {
    const errorLog = vi.spyOn(console, "error");
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const res = await call(
      buildHistoryRoute.GET,
      apiRequest(`/projects/${project.name}/repositories/app/artifacts/1.0/additions/build_history`, { auth: basic(admin.username) }),
      params("1.0"),
    );
    expect(res.status).toBe(503);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    const error = await errorOf(res);
    expect(error).toEqual({ code: "SERVICE_UNAVAILABLE", message: "The registry is unavailable right now, so this cannot be done. Try again in a minute." });
    expect(errorLog).not.toHaveBeenCalled();
  });

  it("REST delete: 503, and the artifact stays in the index with no success row", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const since = (await db.auditEvent.findFirst({ orderBy: { id: "desc" }, select: { id: true } }))?.id ?? 0n;
    const res = await call(
      artifactRoute.DELETE,
      apiRequest(`/projects/${project.name}/repositories/app/artifacts/${DIGEST}`, { method: "DELETE", auth: basic(admin.username) }),
      params(DIGEST),
    );
    expect(res.status).toBe(503);
    expect(await db.artifact.count({ where: { digest: DIGEST } })).toBe(1);
    expect(await db.auditEvent.count({ where: { id: { gt: since }, result: "success" } })).toBe(0);
  });

  it("a server action answers with the message instead of 'something went wrong'", async () => {
    (await state).actor = actorFor(admin);
    const errorLog = vi.spyOn(console, "error");
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const data = new FormData();
    data.set("projectId", String(project.id));
    data.set("repository", `${project.name}/app`);
    data.set("digest", DIGEST);
    expect(await deleteArtifactAction({ ok: false }, data)).toEqual({
      ok: false,
      message: "The registry is unavailable right now, so this cannot be done. Try again in a minute.",
    });
    expect(await db.artifact.count({ where: { digest: DIGEST } })).toBe(1);
    expect(errorLog).not.toHaveBeenCalled();
  });
});
