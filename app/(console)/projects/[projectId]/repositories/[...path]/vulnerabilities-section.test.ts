import { createHash, randomBytes } from "node:crypto";
import { NextIntlClientProvider } from "next-intl";
import { createElement, type ReactElement, type ReactNode } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// Outside Next there is no app router: the 2 s refresher's router is a stub (it renders nothing).
// notFound() (a 404 refusal) throws as Next's does.
vi.mock("next/navigation", () => ({
  useRouter: () => ({ refresh: () => undefined }),
  notFound: () => {
    throw new Error("NEXT_NOT_FOUND");
  },
}));

// The SBOM download route reads its caller from the session cookie; here the caller is chosen.
const state = vi.hoisted(() => ({ actor: undefined as unknown }));
vi.mock("@/lib/auth/session", () => ({ getActor: async () => state.actor, requireUserActor: async () => state.actor }));

import { GET as downloadSbom } from "@/app/(console)/projects/[projectId]/repositories/-/sbom/route";
import { VulnerabilitiesSection } from "@/app/(console)/projects/[projectId]/repositories/[...path]/vulnerabilities-section";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { SBOM_REPORT_MIME, VULN_REPORT_MIME } from "@/lib/scan/adapter/mime";
import messages from "@/messages/en.json";
import { createMember, createProject } from "@/lib/services/registry-auth/test-fixtures";
import { actorFor, createTestUser, db, uniqueName } from "@/lib/testing/factories";

/*
 * The artifact page's Vulnerabilities section rendered as the server renders it, on real
 * Postgres: reports written as the scan.artifact run leaves them, a registration of this file's
 * own (deleted at the end with its reports).
 */

let scannerId: number;
let project: Awaited<ReturnType<typeof createProject>>;
let repository: string;
let digest: string;

beforeAll(async () => {
  scannerId = (await db.scanner.create({ data: { name: uniqueName("ui-scan"), url: "http://127.0.0.1:9/scanner" } })).id;
  project = await createProject();
  await db.projectScanner.create({ data: { projectId: project.id, scannerId } });
  const repo = await db.repository.create({ data: { projectId: project.id, name: `${project.name}/app` } });
  repository = repo.name;
  digest = `sha256:${createHash("sha256").update(randomBytes(16)).digest("hex")}`;
  await db.artifact.create({ data: { repositoryId: repo.id, digest, mediaType: "application/vnd.oci.image.manifest.v1+json", manifestSize: 100, totalSize: 100n, pushedAt: new Date() } });
});

afterAll(async () => {
  await db.scanner.deleteMany({ where: { id: scannerId } });
});

async function render(options: { canScan: boolean; searchParams?: Record<string, string> }) {
  const actor = actorFor(await createMember(project.id, options.canScan ? 4 : 3));
  const self = `/projects/${project.id}/repositories/app/-/artifacts/${digest}`;
  return renderToStaticMarkup(withIntl(await VulnerabilitiesSection({ actor, projectId: project.id, repository, digest, self, canScan: options.canScan, searchParams: options.searchParams ?? {} })));
}

/** The client components inside read their texts from next-intl's provider, as under the console's layout. */
function withIntl(node: ReactNode) {
  // eslint-disable-next-line react/no-children-prop -- the provider's props type requires children (a .ts file, no JSX)
  return createElement(NextIntlClientProvider, { locale: "en", messages, timeZone: "UTC", children: node });
}

const report = (status: string, data: object = {}) =>
  db.scanReport.upsert({
    where: { artifactDigest_scannerId_mimeType: { artifactDigest: digest, scannerId, mimeType: VULN_REPORT_MIME } },
    create: { artifactDigest: digest, scannerId, mimeType: VULN_REPORT_MIME, repository, status, ...data },
    update: { status, ...data },
  });

describe("the Vulnerabilities section", () => {
  it("says not scanned, offers Scan to a maintainer and nothing to a guest", async () => {
    const html = await render({ canScan: true });
    expect(html).toContain("Not scanned.");
    expect(html).toContain('data-testid="scan-artifact"');
    expect(html).toContain('data-testid="generate-sbom"');
    const guest = await render({ canScan: false });
    expect(guest).toContain("Not scanned.");
    expect(guest).not.toContain("scan-artifact");
  });

  it("shows a running scan without a Scan button, and a failure's message and log", async () => {
    await report("running", { startedAt: new Date("2026-01-01T10:00:00Z") });
    const running = await render({ canScan: true });
    expect(running).toContain("Running");
    expect(running).not.toContain('data-testid="scan-artifact"');
    await report("failed", { error: "Cannot reach the scanner at http://127.0.0.1:9", log: "2026-01-01T10:00:01Z asking\n", endedAt: new Date() });
    const failed = await render({ canScan: true });
    expect(failed).toContain('data-testid="scan-error"');
    expect(failed).toContain("Cannot reach the scanner at http://127.0.0.1:9");
    expect(failed).toContain("2026-01-01T10:00:01Z asking");
    expect(failed).toContain("Scan again");
  });

  it("shows a succeeded report's severity counts and its rows, highest severity first, sortable and paged by the server", async () => {
    const vulnerabilities = [
      { id: "CVE-2023-0001", package: "openssl", version: "3.1.0-r0", fix_version: "3.1.1-r0", severity: "High", links: ["https://osv.dev/CVE-2023-0001"], preferred_cvss: { score_v3: 7.5 } },
      { id: "CVE-2023-0002", package: "zlib", version: "1.2.13-r0", severity: "Critical" },
      { id: "CVE-2023-0003", package: "musl", version: "1.2.4-r0", severity: "Low" },
      ...Array.from({ length: 60 }, (_, i) => ({ id: `CVE-2024-${String(i).padStart(4, "0")}`, package: "p", version: "1", severity: "Medium" })),
    ];
    await report("succeeded", { error: null, report: { vulnerabilities } });
    const html = await render({ canScan: false });
    expect(html).toContain('data-testid="severity-critical"');
    expect(html).toMatch(/Critical: <span[^>]*>1<\/span>/);
    expect(html).toMatch(/Medium: <span[^>]*>60<\/span>/);
    expect(html.indexOf("CVE-2023-0002")).toBeLessThan(html.indexOf("CVE-2023-0001"));
    expect(html).toContain('href="https://osv.dev/CVE-2023-0001"');
    expect(html).toContain("7.5");
    expect(html).toContain("1–50 of 63");
    expect(html).not.toContain("CVE-2023-0003"); // Low comes last: page 2
    const page2 = await render({ canScan: false, searchParams: { vulnPage: "2" } });
    expect(page2).toContain("CVE-2023-0003");
    const ascending = await render({ canScan: false, searchParams: { vulnSort: "severity" } });
    expect(ascending.indexOf("CVE-2023-0003")).toBeLessThan(ascending.indexOf("CVE-2024-0000"));
    expect(ascending).not.toContain("CVE-2023-0002"); // Critical comes last: page 2
  });

  it("links the SBOM download once the SBOM report succeeded", async () => {
    await db.scanReport.create({
      data: { artifactDigest: digest, scannerId, mimeType: SBOM_REPORT_MIME, repository, status: "succeeded", report: { media_type: "application/vnd.cyclonedx+json", sbom: { bomFormat: "CycloneDX" } } },
    });
    const html = await render({ canScan: false });
    expect(html).toContain('data-testid="sbom-download"');
    expect(html).toContain(`/projects/${project.id}/repositories/-/sbom?repository=${encodeURIComponent(repository)}`);
    // Someone outside the private project is told "not found", not shown an empty section.
    const outsider = actorFor(await createTestUser());
    const section = await VulnerabilitiesSection({ actor: outsider, projectId: project.id, repository, digest, self: "/", canScan: false, searchParams: {} });
    // The refusal is an async server component (react-dom's static renderer cannot await it): called as Next would.
    const refusal = section as ReactElement<Parameters<typeof RefusalNotice>[0]>;
    expect(refusal.type).toBe(RefusalNotice);
    await expect(RefusalNotice(refusal.props)).rejects.toThrow("NEXT_NOT_FOUND");
  });
});

describe("the Vulnerabilities section of an image index", () => {
  it("lists each platform's scan status and counts, sums the scanned ones, and offers one Scan for all", async () => {
    const repo = await db.repository.create({ data: { projectId: project.id, name: `${project.name}/multi` } });
    const newDigest = () => `sha256:${createHash("sha256").update(randomBytes(16)).digest("hex")}`;
    const child = (d: string) => db.artifact.create({ data: { repositoryId: repo.id, digest: d, mediaType: "application/vnd.oci.image.manifest.v1+json", manifestSize: 100, totalSize: 100n, pushedAt: new Date() } });
    const [amd, arm] = [await child(newDigest()), await child(newDigest())];
    const index = await db.artifact.create({ data: { repositoryId: repo.id, digest: newDigest(), mediaType: "application/vnd.oci.image.index.v1+json", manifestSize: 300, totalSize: 300n, pushedAt: new Date() } });
    await db.artifactReference.createMany({
      data: [
        { parentId: index.id, childId: amd.id, childDigest: amd.digest, position: 0, os: "linux", architecture: "amd64" },
        { parentId: index.id, childId: arm.id, childDigest: arm.digest, position: 1, os: "linux", architecture: "arm64" },
      ],
    });
    await db.scanReport.create({
      data: { artifactDigest: amd.digest, scannerId, mimeType: VULN_REPORT_MIME, repository: repo.name, status: "succeeded", report: { vulnerabilities: [{ id: "CVE-2023-0002", package: "zlib", version: "1", severity: "Critical" }] } },
    });
    const actor = actorFor(await createMember(project.id, 4));
    const html = renderToStaticMarkup(
      withIntl(await VulnerabilitiesSection({ actor, projectId: project.id, repository: repo.name, digest: index.digest, self: "/", canScan: true, searchParams: {} })),
    );
    expect(html).toContain("1 of 2 platforms scanned.");
    expect(html).toContain('data-testid="index-scan-linux/amd64"');
    expect(html).toContain("Not scanned");
    expect(html).toMatch(/Critical: <span[^>]*>1<\/span>/);
    expect(html).toContain("Scan all platforms");
  });
});

describe("the SBOM download route", () => {
  const get = (query: Record<string, string>, projectId = String(project.id)) =>
    downloadSbom(new Request(`http://localhost/projects/${projectId}/repositories/-/sbom?${new URLSearchParams(query).toString()}`), { params: Promise.resolve({ projectId }) });

  it("serves the CycloneDX document as an attachment to a reader, a 404 to an outsider or under another project, a 400 for bad input", async () => {
    state.actor = actorFor(await createTestUser({ isAuditor: true }));
    const ok = await get({ repository, digest });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-disposition")).toMatch(/^attachment; filename=".+\.cdx\.json"$/);
    expect(await ok.json()).toMatchObject({ bomFormat: "CycloneDX" });
    expect((await get({ repository, digest }, String(project.id + 100_000))).status).toBe(404);
    expect((await get({ repository, digest: "nope" })).status).toBe(400);
    expect((await get({})).status).toBe(400);
    state.actor = actorFor(await createTestUser());
    expect((await get({ repository, digest })).status).toBe(404);
  });
});
