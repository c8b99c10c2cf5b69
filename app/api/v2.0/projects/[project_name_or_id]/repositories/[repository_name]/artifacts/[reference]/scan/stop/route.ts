import * as r from "@/lib/api/routes/scan-all";

export const dynamic = "force-dynamic";

export const POST = r.stopArtifactScanRoute;
