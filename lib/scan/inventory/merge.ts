/**
 * The image's final view of its package files after applying layers in order, with OCI
 * whiteout semantics: `.wh.<name>` deletes <name> (and everything below it) from lower layers,
 * `.wh..wh..opq` hides all lower-layer content of its directory; a layer's own files survive
 * its own markers.
 */
import type { LayerContents, LayerFile } from "./layer-reader";

export interface ImageFile extends LayerFile {
  layerDigest: string;
}

function under(path: string, dir: string): boolean {
  return dir === "" || path === dir || path.startsWith(`${dir}/`);
}

export class MergedPackageFiles {
  private readonly files = new Map<string, ImageFile>();
  readonly warnings: string[] = [];

  apply(layer: LayerContents): void {
    for (const path of [...this.files.keys()]) {
      const hidden =
        layer.whiteouts.some((w) => under(path, w)) ||
        layer.opaqueDirs.some((dir) => path !== dir && under(path, dir)) ||
        layer.removed.includes(path);
      if (hidden) this.files.delete(path);
    }
    for (const file of layer.files) this.files.set(file.path, { ...file, layerDigest: layer.digest });
    this.warnings.push(...layer.warnings);
  }

  list(): ImageFile[] {
    return [...this.files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}
