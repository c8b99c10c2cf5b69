/**
 * Per-artifact inventories in Postgres: extracted once per manifest digest (the same image in
 * two repositories is one inventory), replaced as a whole when extracted again.
 */
import { db } from "@/lib/db/client";
import type { Inventory } from "@/lib/scan/inventory";

const INSERT_CHUNK = 1000;

export async function saveInventory(artifactDigest: string, inventory: Inventory): Promise<number> {
  return db.$transaction(
    async (tx) => {
      await tx.scanInventory.deleteMany({ where: { artifactDigest } });
      const row = await tx.scanInventory.create({
        data: {
          artifactDigest,
          osId: inventory.os?.id ?? null,
          osVersion: inventory.os?.versionId ?? null,
          osEcosystem: inventory.os?.ecosystem ?? null,
          warnings: inventory.warnings,
        },
        select: { id: true },
      });
      for (let i = 0; i < inventory.packages.length; i += INSERT_CHUNK) {
        await tx.scanInventoryPackage.createMany({
          data: inventory.packages.slice(i, i + INSERT_CHUNK).map((p) => ({
            inventoryId: row.id,
            name: p.name,
            version: p.version,
            ecosystem: p.ecosystem,
            advisoryName: p.advisoryName,
            purl: p.purl,
            path: p.path,
            layerDigest: p.layerDigest,
            dev: p.dev === true,
          })),
        });
      }
      return row.id;
    },
    { timeout: 60_000 },
  );
}

export async function hasInventory(artifactDigest: string): Promise<boolean> {
  return (await db.scanInventory.count({ where: { artifactDigest } })) > 0;
}

/** The stored inventory of a digest as lib/scan builds it (for the SBOM), or null. */
export async function loadInventory(artifactDigest: string): Promise<Inventory | null> {
  const row = await db.scanInventory.findUnique({
    where: { artifactDigest },
    include: { packages: { orderBy: { id: "asc" } } },
  });
  if (!row) return null;
  return {
    os: row.osId ? { id: row.osId, versionId: row.osVersion, prettyName: null, ecosystem: row.osEcosystem } : null,
    packages: row.packages.map((p) => ({
      name: p.name,
      version: p.version,
      ecosystem: p.ecosystem,
      advisoryName: p.advisoryName,
      purl: p.purl,
      path: p.path,
      layerDigest: p.layerDigest,
      ...(p.dev ? { dev: true } : {}),
    })),
    warnings: row.warnings,
  };
}
