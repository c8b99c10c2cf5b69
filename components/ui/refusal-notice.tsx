import type { AppError } from "@/lib/errors";

/** What a page shows when the service layer refused the request (403, 404, ...). */
export function RefusalNotice({ error }: { error: AppError }) {
  const title = error.status === 403 ? "Access denied" : error.status === 404 ? "Not found" : "Cannot show this page";
  return (
    <div role="alert" className="rounded-lg border border-amber-300 bg-amber-50 p-6" data-testid="refusal">
      <h1 className="text-lg font-semibold text-amber-900">{title}</h1>
      <p className="mt-1 text-sm text-amber-900">{error.message}</p>
    </div>
  );
}
