import { getServerEnv } from "@/lib/env";
import { RegistryClient } from "@/lib/registry/client";
import type { RegistryCredentials } from "@/lib/registry/credentials";
import { RegistryUnavailableError } from "@/lib/registry/errors";

let client: RegistryClient | undefined;
let clientKey = "";

/**
 * The client for the backing registry Wharf fronts (WHARF_REGISTRY_URL, with
 * WHARF_REGISTRY_USERNAME and WHARF_REGISTRY_PASSWORD when it asks for credentials; the launcher
 * sets all three for the Distribution it starts).
 */
export function getBackingRegistry(): RegistryClient {
  const env = getServerEnv();
  const baseUrl = env.WHARF_REGISTRY_URL;
  if (!baseUrl) {
    throw new RegistryUnavailableError("(none)", "no backing registry is configured (WHARF_REGISTRY_URL is unset)");
  }
  const credentials = backingRegistryCredentials();
  const key = JSON.stringify([baseUrl.replace(/\/+$/, ""), credentials?.username, credentials?.password]);
  if (!client || clientKey !== key) {
    client = new RegistryClient({ baseUrl, credentials });
    clientKey = key;
  }
  return client;
}

/** What Wharf sends the backing registry (WHARF_REGISTRY_USERNAME/PASSWORD), if anything. */
export function backingRegistryCredentials(): RegistryCredentials | undefined {
  const { WHARF_REGISTRY_USERNAME: username, WHARF_REGISTRY_PASSWORD: password } = getServerEnv();
  return username && password ? { username, password } : undefined;
}
