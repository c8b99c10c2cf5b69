import * as r from "@/lib/api/routes/scan-all";

export const dynamic = "force-dynamic";

export const GET = r.getSchedule;
export const PUT = r.putSchedule;
export const POST = r.postSchedule;
