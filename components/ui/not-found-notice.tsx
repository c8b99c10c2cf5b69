import Link from "next/link";

/** The console's one not-found page body (root and segment not-found pages render it). */
export function NotFoundNotice() {
  return (
    <div role="alert" className="mx-auto max-w-xl rounded-lg border border-slate-200 bg-white p-6" data-testid="not-found">
      <h1 className="text-lg font-semibold">Not found</h1>
      <p className="mt-1 text-sm text-slate-700">
        There is no such page, project, repository or artifact, or you are not allowed to see it.
      </p>
      <p className="mt-4 text-sm">
        <Link href="/projects" prefetch={false} className="text-sky-800 hover:underline">
          Go to projects
        </Link>
      </p>
    </div>
  );
}
