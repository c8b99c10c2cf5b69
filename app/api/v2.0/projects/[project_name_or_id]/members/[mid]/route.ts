import * as members from "@/lib/api/routes/members";

export const dynamic = "force-dynamic";

export const GET = members.get;
export const PUT = members.update;
export const DELETE = members.remove;
