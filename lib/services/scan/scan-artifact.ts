/**
 * The built-in scanner's core, as the HTTP adapter (Pluggable Scanner API) will call it: read
 * an image manifest's layers from the registry by digest, keep its inventory in Postgres (once
 * per digest unless asked again), and match it against the stored advisories.
 */
import { getBackingRegistry } from "@/lib/registry/backing-registry";
import type { RegistryClient } from "@/lib/registry/client";
import { extractInventory } from "@/lib/scan/inventory";
import { registryLayerSources } from "@/lib/scan/inventory/registry-layers";
import { findingsForArtifact, type StoredFinding } from "@/lib/services/scan/findings";
import { hasInventory, saveInventory } from "@/lib/services/scan/inventory-store";

export async function scanArtifact(options: {
  repository: string;
  digest: string;
  /** The backing registry unless given (tests use their own registry). */
  client?: RegistryClient;
  /** Extract again even if an inventory of this digest is stored. */
  reextract?: boolean;
}): Promise<StoredFinding[]> {
  const client = options.client ?? getBackingRegistry();
  if (options.reextract || !(await hasInventory(options.digest))) {
    const inventory = await extractInventory(await registryLayerSources(client, options.repository, options.digest));
    await saveInventory(options.digest, inventory);
  }
  return (await findingsForArtifact(options.digest)) ?? [];
}
