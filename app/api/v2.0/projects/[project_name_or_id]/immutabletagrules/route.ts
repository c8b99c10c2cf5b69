import * as rules from "@/lib/api/routes/immutable-tag-rules";

export const dynamic = "force-dynamic";

export const GET = rules.list;
export const POST = rules.create;
