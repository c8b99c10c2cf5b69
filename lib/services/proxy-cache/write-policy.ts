/**
 * What a proxy-cache project refuses: anything that would put content into it other than the
 * cache itself (issue 13 item 1) — a push (blob upload, manifest PUT), a copy or an import into it.
 * Deleting stays allowed (an administrator clearing cached artifacts; the next pull fetches them
 * again). Pure: the caller knows whether the project is a proxy cache.
 */
export function proxyCacheWriteRefusal(proxyRegistryId: number | null, what: "upload" | "manifest-put" | "manifest-delete" | "blob-delete"): { message: string; reason: string } | null {
  if (proxyRegistryId === null || what === "manifest-delete" || what === "blob-delete") return null;
  return {
    message: "This project is a proxy cache: it is filled from its upstream registry when images are pulled, and pushes into it are refused.",
    reason: "pushes into a proxy-cache project are refused",
  };
}
