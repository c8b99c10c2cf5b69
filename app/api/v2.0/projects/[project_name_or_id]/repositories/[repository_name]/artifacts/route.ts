import * as r from "@/lib/api/routes/repositories";

export const dynamic = "force-dynamic";

export const GET = r.listArtifactsRoute;
export const POST = r.copyArtifactRoute;
