import * as userGroups from "@/lib/api/routes/user-groups";

export const dynamic = "force-dynamic";

export const GET = userGroups.list;
