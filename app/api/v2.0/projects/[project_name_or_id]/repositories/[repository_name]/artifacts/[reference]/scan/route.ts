import * as r from "@/lib/api/routes/repositories";

export const dynamic = "force-dynamic";

export const POST = r.scanArtifactRoute;
