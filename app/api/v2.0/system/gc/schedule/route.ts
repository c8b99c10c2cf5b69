import * as r from "@/lib/api/routes/gc";

export const dynamic = "force-dynamic";

export const GET = r.getSchedule;
export const POST = r.postSchedule;
export const PUT = r.putSchedule;
