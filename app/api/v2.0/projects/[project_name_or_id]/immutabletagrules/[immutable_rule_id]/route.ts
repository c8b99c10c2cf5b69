import * as rules from "@/lib/api/routes/immutable-tag-rules";

export const dynamic = "force-dynamic";

export const PUT = rules.update;
export const DELETE = rules.remove;
