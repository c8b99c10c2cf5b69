import * as ipAllowlist from "@/lib/api/routes/ip-allowlist";

export const dynamic = "force-dynamic";

export const GET = ipAllowlist.get;
export const PUT = ipAllowlist.put;
