import "server-only";
import { getServerEnv } from "@/lib/env";
import type { WebhookEventType } from "@/lib/validation/webhooks";

/**
 * Harbor's webhook payload (`{type, occur_at, operator, event_data}`; event_data's `resources`
 * and `repository` as Harbor's notification model writes them), and the Slack message made of it.
 */
export type HarborWebhookResource = { digest: string; tag: string; resource_url: string; scan_overview?: Record<string, unknown> };
export type HarborWebhookPayload = {
  type: WebhookEventType;
  occur_at: number;
  operator: string;
  event_data: {
    resources?: HarborWebhookResource[];
    repository?: { date_created: number; name: string; namespace: string; repo_full_name: string; repo_type: "public" | "private" };
    custom_attributes?: Record<string, string>;
  };
};

/** host[:port] clients use for Wharf (resource_url is `<host>/<repository>:<tag>` as in Harbor). */
function registryHost(): string {
  return new URL(getServerEnv().externalUrl).host;
}

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

export function artifactPayload(input: {
  type: WebhookEventType;
  at: Date;
  operator: string;
  repository: string;
  repositoryCreated: Date | null;
  isPublic: boolean;
  digest: string;
  tag: string | null;
  scanOverview?: Record<string, unknown>;
}): HarborWebhookPayload {
  const slash = input.repository.indexOf("/");
  const namespace = input.repository.slice(0, slash);
  const name = input.repository.slice(slash + 1);
  const host = registryHost();
  const resourceUrl = input.tag ? `${host}/${input.repository}:${input.tag}` : `${host}/${input.repository}@${input.digest}`;
  return {
    type: input.type,
    occur_at: seconds(input.at),
    operator: input.operator,
    event_data: {
      resources: [{ digest: input.digest, tag: input.tag ?? "", resource_url: resourceUrl, ...(input.scanOverview ? { scan_overview: input.scanOverview } : {}) }],
      repository: {
        date_created: seconds(input.repositoryCreated ?? input.at),
        name,
        namespace,
        repo_full_name: input.repository,
        repo_type: input.isPublic ? "public" : "private",
      },
    },
  };
}

const SUMMARY: Record<WebhookEventType, string> = {
  PUSH_ARTIFACT: "pushed",
  PULL_ARTIFACT: "pulled",
  DELETE_ARTIFACT: "deleted",
  SCANNING_COMPLETED: "scanned",
  SCANNING_FAILED: "failed to scan",
  QUOTA_EXCEED: "exceeded the quota with",
  TAG_RETENTION: "ran tag retention on",
  REPLICATION: "replicated",
};

/** A Slack-compatible incoming webhook message: `text` (the fallback) and one mrkdwn section. */
export function slackMessage(payload: HarborWebhookPayload): { text: string; blocks: unknown[] } {
  const resource = payload.event_data.resources?.[0];
  const what = resource?.resource_url ?? payload.event_data.repository?.repo_full_name ?? "";
  const text = `[Wharf] ${payload.type}: ${payload.operator} ${SUMMARY[payload.type]} ${what}`.trim();
  const detail = "```" + JSON.stringify(payload.event_data, null, 2).slice(0, 2800) + "```";
  return {
    text,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `*${payload.type}* by \`${payload.operator}\`\n${what}` } },
      { type: "section", text: { type: "mrkdwn", text: detail } },
    ],
  };
}
