import { useTranslations } from "next-intl";
import { Badge } from "@/components/ui/badge";
import type { RetentionExecutionStatus } from "@/lib/services/retention/runs";
import { formatDateTime } from "@/lib/format/datetime";

const TONES: Record<RetentionExecutionStatus, "good" | "bad" | "info" | "neutral"> = {
  Pending: "neutral",
  Running: "info",
  Succeed: "good",
  Failed: "bad",
  Stopped: "neutral",
};

export function ExecutionStatus({ status }: { status: RetentionExecutionStatus }) {
  const t = useTranslations("policy");
  return <Badge tone={TONES[status]}>{t(`status.${status}`)}</Badge>;
}

export const formatTime = (d: Date | null) => formatDateTime(d);
