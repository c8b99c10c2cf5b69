import * as scanners from "@/lib/api/routes/scanners";

export const dynamic = "force-dynamic";

export const GET = scanners.list;
export const POST = scanners.create;
