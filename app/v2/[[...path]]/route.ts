import { handleRegistryRequest } from "@/lib/services/registry-auth/gateway";

/**
 * The registry gateway: every /v2 request (docker, skopeo, podman) goes through Wharf's checks to
 * the backing registry. The handler parses `new URL(req.url).pathname` itself rather than the
 * catch-all params, which arrive decoded and would hide encoded slashes. (Next.js has already
 * resolved "." and ".." segments, "%2e" included, and redirected "//": what the handler sees is
 * what it authorizes and what it forwards.)
 */
export const dynamic = "force-dynamic";

export const GET = handleRegistryRequest;
export const HEAD = handleRegistryRequest;
export const POST = handleRegistryRequest;
export const PUT = handleRegistryRequest;
export const PATCH = handleRegistryRequest;
export const DELETE = handleRegistryRequest;
