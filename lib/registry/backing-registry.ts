import { getServerEnv } from "@/lib/env";
import type { RegistryClient } from "@/lib/registry/client";
import { endpointClient, type RegistryEndpoint } from "@/lib/registry/endpoint";
import type { RegistryCredentials } from "@/lib/registry/credentials";
import { RegistryUnavailableError } from "@/lib/registry/errors";

let client: RegistryClient | undefined;

/**
 * What every write Wharf itself sends the backing registry asks first (copies, replication,
 * deletes from the console, retention; the gateway's own writes are asked at its `write` hook
 * point): garbage collection's read-only window, registered by lib/services/gc/window.ts when it
 * loads (on globalThis: the launcher, Wharf's front and Next's bundle each load their own copy of
 * these modules in one process). A write during the window is refused before it is sent, so
 * nothing reaches the registry between the mark and the sweep.
 */
const WRITE_GUARD = Symbol.for("wharf.backingRegistry.writeGuard");
type GuardHolder = { [WRITE_GUARD]?: (what: string) => Promise<void> };

export function setBackingRegistryWriteGuard(guard: (what: string) => Promise<void>): void {
  (globalThis as GuardHolder)[WRITE_GUARD] = guard;
}

function guardWrite(what: string): Promise<void> {
  return (globalThis as GuardHolder)[WRITE_GUARD]?.(what) ?? Promise.resolve();
}
let clientKey = "";

/**
 * The client for the backing registry Wharf fronts (WHARF_REGISTRY_URL, with
 * WHARF_REGISTRY_USERNAME and WHARF_REGISTRY_PASSWORD when it asks for credentials; the launcher
 * sets all three for the Distribution it starts).
 */
export function getBackingRegistry(): RegistryClient {
  const endpoint = backingRegistryEndpoint();
  const key = JSON.stringify([endpoint.url.replace(/\/+$/, ""), endpoint.auth]);
  if (!client || clientKey !== key) {
    client = endpointClient(endpoint, { beforeWrite: guardWrite });
    clientKey = key;
  }
  return client;
}

/** The backing registry as an endpoint: Basic with Wharf's own credentials when it has them. */
export function backingRegistryEndpoint(): RegistryEndpoint {
  const url = getServerEnv().WHARF_REGISTRY_URL;
  if (!url) {
    throw new RegistryUnavailableError("(none)", "no backing registry is configured (WHARF_REGISTRY_URL is unset)");
  }
  const credentials = backingRegistryCredentials();
  return { url, auth: credentials ? { kind: "basic", credentials } : { kind: "none" } };
}

/** What Wharf sends the backing registry (WHARF_REGISTRY_USERNAME/PASSWORD), if anything. */
export function backingRegistryCredentials(): RegistryCredentials | undefined {
  const { WHARF_REGISTRY_USERNAME: username, WHARF_REGISTRY_PASSWORD: password } = getServerEnv();
  return username && password ? { username, password } : undefined;
}
