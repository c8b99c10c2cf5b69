import * as scanners from "@/lib/api/routes/scanners";

export const dynamic = "force-dynamic";

export const GET = scanners.get;
export const PUT = scanners.update;
export const PATCH = scanners.setDefault;
export const DELETE = scanners.remove;
