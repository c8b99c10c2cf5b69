import * as configurations from "@/lib/api/routes/configurations";

export const dynamic = "force-dynamic";

export const GET = configurations.get;
export const PUT = configurations.update;
