import type { ActionResult } from "@/lib/actions/action-result";

/** The form-level outcome of a server action: an error or a confirmation. */
export function FormMessage({ result, success }: { result: ActionResult; success?: string }) {
  if (!result.ok && result.message) {
    return (
      <p role="status" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
        {result.message}
      </p>
    );
  }
  if (result.ok && (result.message ?? success)) {
    return (
      <p role="status" className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
        {result.message ?? success}
      </p>
    );
  }
  return null;
}
