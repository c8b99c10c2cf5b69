import * as labels from "@/lib/api/routes/labels";

export const dynamic = "force-dynamic";

export const DELETE = labels.removeFromArtifact;
