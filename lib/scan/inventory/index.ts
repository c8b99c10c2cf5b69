/**
 * Inventory extraction: an image's layers, read in order as streams, to (OS, packages). The
 * caller supplies the layers (from the registry in production: see ./registry-layers), so this
 * module stays free of I/O policy and testable on layers built in memory.
 */
import { assembleInventory, type Inventory } from "./assemble";
import { readLayer } from "./layer-reader";
import { MergedPackageFiles } from "./merge";

export type { Inventory } from "./assemble";
export { LayerReadError } from "./layer-reader";
export type { InventoryPackage, OsRelease } from "./types";

export interface LayerSource {
  digest: string;
  mediaType: string;
  open(): Promise<AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>>;
}

/** Reads the layers one at a time (never two streams open) and merges them bottom-up. */
export async function extractInventory(layers: LayerSource[]): Promise<Inventory> {
  const merged = new MergedPackageFiles();
  for (const layer of layers) merged.apply(await readLayer(layer.digest, layer.mediaType, await layer.open()));
  return assembleInventory(merged.list(), merged.warnings);
}
