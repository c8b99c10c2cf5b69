import type { JobHandler } from "@/lib/jobs/define-job";
import type { ProxyCacheExpirePayload } from "@/lib/jobs/definitions";
import { expireProxyCache } from "@/lib/services/proxy-cache/expire";

/** One hourly pass over the proxy-cache projects (lib/services/proxy-cache/expire.ts). */
const handleProxyCacheExpire: JobHandler<ProxyCacheExpirePayload> = async (ctx) => {
  const result = await expireProxyCache({ log: (line) => ctx.log(line) });
  ctx.log(`${result.deleted} cached artifacts removed in ${result.projects} proxy-cache projects${result.failed ? `, ${result.failed} failed` : ""}`);
  return result;
};

export default handleProxyCacheExpire;
