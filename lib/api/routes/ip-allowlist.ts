/**
 * `/system/ip-allowlist` (a Wharf extension; Harbor has no IP allowlist): the addresses and CIDR
 * ranges from which Wharf may be reached. Administrators and auditors read it; administrators
 * replace it, never with a list that leaves out their own address.
 */
import { z } from "zod";
import { parseInput, readJsonObject } from "@/lib/api/body";
import { withApi } from "@/lib/api/with-api";
import { getIpAllowlist, type IpAllowlistView, updateIpAllowlist } from "@/lib/services/ip-allowlist/ip-allowlist";
import { ZIpAllowlist } from "@/lib/validation/ip-allowlist";

export const ZIpAllowlistReq = z.object({
  entries: ZIpAllowlist.describe("IP addresses and CIDR ranges (e.g. 10.0.0.0/8, 2001:db8::/32); empty lets every address in"),
});

export const ZIpAllowlistResp = z.object({
  entries: z.array(z.string()),
  update_time: z.string().nullable().describe("When the list was last replaced (null: never)"),
});

const toResp = (view: IpAllowlistView): z.infer<typeof ZIpAllowlistResp> => ({ entries: view.entries, update_time: view.updatedAt?.toISOString() ?? null });

export const get = withApi(async ({ actor }) => Response.json(toResp(await getIpAllowlist({ actor }))));

export const put = withApi(async ({ req, actor }) => {
  const body = parseInput(ZIpAllowlistReq, await readJsonObject(req));
  return Response.json(toResp(await updateIpAllowlist({ actor, input: body.entries })));
});
