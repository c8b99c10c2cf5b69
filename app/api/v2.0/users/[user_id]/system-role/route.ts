import * as users from "@/lib/api/routes/users";

export const dynamic = "force-dynamic";

export const PUT = users.setSystemRole;
