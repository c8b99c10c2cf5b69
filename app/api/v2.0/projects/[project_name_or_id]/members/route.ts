import * as members from "@/lib/api/routes/members";

export const dynamic = "force-dynamic";

export const GET = members.list;
export const POST = members.add;
