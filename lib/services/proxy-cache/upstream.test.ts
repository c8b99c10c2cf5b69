import { describe, expect, it } from "vitest";
import { proxyCacheWriteRefusal } from "@/lib/services/proxy-cache/write-policy";
import { upstreamRepositoryOf } from "@/lib/services/proxy-cache/upstream";

describe("proxy-cache names and refusals", () => {
  it("names the upstream repository without the project, with Docker Hub's library/ for one-part names", () => {
    expect(upstreamRepositoryOf("hub/library/nginx", true)).toBe("library/nginx");
    expect(upstreamRepositoryOf("hub/nginx", true)).toBe("library/nginx");
    expect(upstreamRepositoryOf("hub/bitnami/redis", true)).toBe("bitnami/redis");
    // Another registry has no implied namespace.
    expect(upstreamRepositoryOf("cache/nginx", false)).toBe("nginx");
    expect(upstreamRepositoryOf("cache/a/b/c", false)).toBe("a/b/c");
  });

  it("refuses pushes into a proxy cache, and nothing in an ordinary project; deletes stay allowed", () => {
    expect(proxyCacheWriteRefusal(null, "upload")).toBeNull();
    expect(proxyCacheWriteRefusal(null, "manifest-put")).toBeNull();
    expect(proxyCacheWriteRefusal(3, "upload")?.reason).toBe("pushes into a proxy-cache project are refused");
    expect(proxyCacheWriteRefusal(3, "manifest-put")?.message).toContain("proxy cache");
    expect(proxyCacheWriteRefusal(3, "manifest-delete")).toBeNull();
    expect(proxyCacheWriteRefusal(3, "blob-delete")).toBeNull();
  });
});
