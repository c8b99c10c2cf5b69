/**
 * A CycloneDX 1.6 JSON SBOM of an artifact's inventory, built and serialised with CycloneDX's
 * own library: the image is the metadata component, every inventoried package a library
 * component with its purl, and the layer it came from as a property.
 */
import * as CDX from "@cyclonedx/cyclonedx-library";

import type { Inventory } from "@/lib/scan/inventory";

export interface SbomSubject {
  /** repository@digest, the SBOM's subject. */
  repository: string;
  digest: string;
}

export function inventorySbom(subject: SbomSubject, inventory: Inventory, timestamp = new Date()): string {
  const bom = new CDX.Models.Bom();
  bom.metadata.timestamp = timestamp;
  bom.metadata.component = new CDX.Models.Component(CDX.Enums.ComponentType.Container, subject.repository, {
    version: subject.digest,
    bomRef: subject.digest,
  });
  if (inventory.os) {
    bom.components.add(
      new CDX.Models.Component(CDX.Enums.ComponentType.OperatingSystem, inventory.os.id, {
        version: inventory.os.versionId ?? undefined,
        bomRef: `os:${inventory.os.id}`,
      }),
    );
  }
  for (const pkg of inventory.packages) {
    const component = new CDX.Models.Component(CDX.Enums.ComponentType.Library, pkg.name, {
      version: pkg.version,
      purl: pkg.purl,
      bomRef: `${pkg.purl}#${pkg.path}`,
    });
    component.properties.add(new CDX.Models.Property("wharf:layer_digest", pkg.layerDigest));
    component.properties.add(new CDX.Models.Property("wharf:path", pkg.path));
    component.properties.add(new CDX.Models.Property("wharf:ecosystem", pkg.ecosystem));
    bom.components.add(component);
  }
  const serializer = new CDX.Serialize.JsonSerializer(new CDX.Serialize.JSON.Normalize.Factory(CDX.Spec.Spec1dot6));
  return serializer.serialize(bom, { sortLists: true });
}
