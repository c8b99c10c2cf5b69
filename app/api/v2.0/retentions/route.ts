import * as retentions from "@/lib/api/routes/retentions";

export const dynamic = "force-dynamic";

export const POST = retentions.create;
