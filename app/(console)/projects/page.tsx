import Link from "next/link";
import { PageHeader } from "@/components/ui/page-header";
import { requireUserActor } from "@/lib/auth/session";
import { getServerEnv } from "@/lib/env";

export const metadata = { title: "Projects" };

/**
 * Projects arrive with the access-control work; until then this page is the first-run guide
 * a new administrator lands on.
 */
export default async function ProjectsPage() {
  const actor = await requireUserActor();
  const registryHost = new URL(getServerEnv().externalUrl).host;
  return (
    <>
      <PageHeader title="Projects" description="Projects group repositories and decide who may push and pull them." />
      <section className="rounded-lg border border-dashed border-slate-300 bg-white p-8" data-testid="projects-empty-state">
        <h2 className="text-lg font-semibold">No projects yet</h2>
        <p className="mt-2 max-w-2xl text-sm text-slate-600">
          Wharf is running. Projects, members and robot accounts come next; in the meantime you can prepare your team:
        </p>
        <ol className="mt-4 list-decimal space-y-2 pl-5 text-sm text-slate-700">
          {actor.isAdmin ? (
            <>
              <li>
                <Link href="/admin/users/new" prefetch={false} className="text-sky-800 underline">
                  Create accounts
                </Link>{" "}
                for the people who will push and pull images.
              </li>
              <li>
                Check{" "}
                <Link href="/admin/health" prefetch={false} className="text-sky-800 underline">
                  System health
                </Link>
                : the database and the registry should both be healthy.
              </li>
              <li>
                Change the initial password on{" "}
                <Link href="/account" prefetch={false} className="text-sky-800 underline">
                  your account page
                </Link>
                .
              </li>
            </>
          ) : (
            <li>Ask an administrator to add you to a project.</li>
          )}
          <li>
            Registry clients log in at the same address as this console:{" "}
            <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs">skopeo login {registryHost}</code>
          </li>
        </ol>
      </section>
    </>
  );
}
