import * as scanners from "@/lib/api/routes/scanners";

export const dynamic = "force-dynamic";

export const POST = scanners.ping;
