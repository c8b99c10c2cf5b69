import * as ldap from "@/lib/api/routes/ldap";

export const dynamic = "force-dynamic";

export const POST = ldap.importUsers;
