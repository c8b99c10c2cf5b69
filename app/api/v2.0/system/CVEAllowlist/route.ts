import * as cveAllowlist from "@/lib/api/routes/cve-allowlist";

export const dynamic = "force-dynamic";

export const GET = cveAllowlist.get;
export const PUT = cveAllowlist.put;
