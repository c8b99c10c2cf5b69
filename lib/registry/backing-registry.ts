import { getServerEnv } from "@/lib/env";
import { RegistryClient } from "@/lib/registry/client";
import { RegistryUnavailableError } from "@/lib/registry/errors";

let client: RegistryClient | undefined;

/**
 * The client for the backing registry Wharf fronts (WHARF_REGISTRY_URL; the launcher sets it to
 * the Distribution it starts on loopback).
 */
export function getBackingRegistry(): RegistryClient {
  const baseUrl = getServerEnv().WHARF_REGISTRY_URL;
  if (!baseUrl) {
    throw new RegistryUnavailableError("(none)", "no backing registry is configured (WHARF_REGISTRY_URL is unset)");
  }
  if (!client || client.baseUrl !== baseUrl.replace(/\/+$/, "")) client = new RegistryClient({ baseUrl });
  return client;
}
