import { describe, expect, it } from "vitest";
import { storageLimitFormValue, ZUpdateDefaultStorageLimit, ZUpdateProjectQuota } from "@/lib/validation/quotas";

describe("storage limit forms", () => {
  it("reads a number and a unit as bytes, -1 as unlimited", () => {
    expect(ZUpdateProjectQuota.parse({ projectId: "3", storageLimit: "1.5", storageUnit: "GiB" })).toEqual({ projectId: 3, storageLimit: 1610612736n });
    expect(ZUpdateDefaultStorageLimit.parse({ storageLimit: "-1", storageUnit: "TiB" })).toEqual({ storageLimit: -1n });
  });

  it("refuses what is not a size with a field error, never throwing", () => {
    for (const storageLimit of ["lots", "-2", "", "1e3", "NaN"]) {
      const r = ZUpdateProjectQuota.safeParse({ projectId: "3", storageLimit, storageUnit: "GiB" });
      expect(r.success, storageLimit).toBe(false);
      expect(r.error!.issues.some((i) => i.path[0] === "storageLimit")).toBe(true);
    }
    expect(ZUpdateDefaultStorageLimit.safeParse({ storageLimit: "99999999999", storageUnit: "TiB" }).success).toBe(false);
  });

  it("shows a limit in the largest whole unit", () => {
    expect(storageLimitFormValue(-1n)).toEqual({ storageLimit: "-1", storageUnit: "GiB" });
    expect(storageLimitFormValue(2n * 1024n ** 3n)).toEqual({ storageLimit: "2", storageUnit: "GiB" });
    expect(storageLimitFormValue(1024n ** 2n)).toEqual({ storageLimit: "1", storageUnit: "MiB" });
  });
});
