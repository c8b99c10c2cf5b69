import { findFreePort } from "@/lib/registry/local-registry";

/**
 * The environment a test file that runs Wharf's gateway against a real registry needs, set before
 * any module reads it (getServerEnv() reads once): call it from the file's `vi.hoisted`, as in
 *
 *   const REGISTRY_PORT = await vi.hoisted(() => import("@/lib/testing/test-ports").then((m) => m.useTestRegistryPort("my-secret-key-…")));
 *
 * The registry gets a free port; WHARF_EXTERNAL_URL is `http://wharf.test:3000` (requests are
 * handed to the gateway in process), or, with {@link useTestRegistryAndFrontPorts}, a second free
 * port for Wharf's front that real clients (skopeo, podman) connect to. The secret key is set
 * unless the run already has one.
 */
export async function useTestRegistryPort(secretKey: string): Promise<number> {
  const port = await findFreePort();
  process.env.WHARF_REGISTRY_URL = `http://127.0.0.1:${port}`;
  process.env.WHARF_EXTERNAL_URL = "http://wharf.test:3000";
  process.env.WHARF_SECRET_KEY ??= secretKey;
  return port;
}

export async function useTestRegistryAndFrontPorts(secretKey: string): Promise<{ REGISTRY_PORT: number; FRONT_PORT: number }> {
  const registryPort = await findFreePort();
  let frontPort = await findFreePort();
  while (frontPort === registryPort) frontPort = await findFreePort();
  process.env.WHARF_REGISTRY_URL = `http://127.0.0.1:${registryPort}`;
  process.env.WHARF_EXTERNAL_URL = `http://127.0.0.1:${frontPort}`;
  process.env.WHARF_SECRET_KEY ??= secretKey;
  return { REGISTRY_PORT: registryPort, FRONT_PORT: frontPort };
}
