import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it, vi } from "vitest";

// A backing registry that does not answer: a free port nothing listens on (getServerEnv() reads
// the address once, before anything loads it).
await vi.hoisted(async () => {
  const { findFreePort } = await import("@/lib/registry/local-registry");
  process.env.WHARF_REGISTRY_URL = `http://127.0.0.1:${await findFreePort()}`;
});

const state = vi.hoisted(() => ({ actor: undefined as unknown }));
// The page reads its viewer from the session cookie; here the viewer is an administrator.
vi.mock("@/lib/auth/session", () => ({ getActor: async () => state.actor, requireUserActor: async () => state.actor }));

import { ArtifactDetailView } from "@/app/(console)/projects/[projectId]/repositories/[...path]/artifact-detail-view";
import type { ProjectDetail } from "@/lib/services/projects/project-dto";
import { createProject } from "@/lib/services/registry-auth/test-fixtures";
import { actorFor, createTestUser, db } from "@/lib/testing/factories";

describe("the artifact page while the registry is down", () => {
  it("shows 'Registry unavailable' instead of failing the page", async () => {
    state.actor = actorFor(await createTestUser({ isAdmin: true }));
    const project = await createProject();
    const repository = `${project.name}/app`;
    const digest = `sha256:${"a".repeat(64)}`;
    // Indexed (as a push through the gateway would have left it); the page then reads the
    // manifest and config from the registry, which is down.
    await db.repository.create({
      data: {
        name: repository,
        projectId: project.id,
        artifactCount: 1,
        artifacts: {
          create: { digest, mediaType: "application/vnd.oci.image.manifest.v1+json", manifestSize: 500, totalSize: BigInt(1000), pushedAt: new Date() },
        },
      },
    });

    const page = await ArtifactDetailView({
      project: { id: project.id, name: project.name } as ProjectDetail,
      repository,
      reference: digest,
      searchParams: {},
    });
    const html = renderToStaticMarkup(page);
    expect(html).toContain("Registry unavailable");
    expect(html).toContain('data-testid="registry-unavailable"');
  });
});
