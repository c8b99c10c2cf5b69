import "server-only";
import { getServerEnv } from "@/lib/env";
import type { WebhookEventType } from "@/lib/validation/webhooks";

/**
 * Harbor's webhook payload (`{type, occur_at, operator, event_data}`; event_data's `resources`
 * and `repository` as Harbor's notification model writes them), and the Slack message made of it.
 */
export type HarborWebhookResource = { digest: string; tag: string; resource_url?: string; scan_overview?: Record<string, unknown> };
export type HarborWebhookRepository = { date_created?: number; name: string; namespace: string; repo_full_name: string; repo_type: "public" | "private" };
/** Harbor's `name_tag` entries of replication and retention events. */
export type HarborArtifactInfo = { type: string; status: string; name_tag: string; fail_reason?: string };
export type HarborWebhookPayload = {
  type: WebhookEventType;
  occur_at: number;
  operator: string;
  event_data: {
    resources?: HarborWebhookResource[];
    repository?: HarborWebhookRepository;
    replication?: Record<string, unknown> & { successful_artifact?: HarborArtifactInfo[]; failed_artifact?: HarborArtifactInfo[] };
    retention?: Record<string, unknown> & { deleted_artifact?: HarborArtifactInfo[] };
    custom_attributes?: Record<string, string>;
  };
};

/** host[:port] clients use for Wharf (resource_url is `<host>/<repository>:<tag>` as in Harbor). */
function registryHost(): string {
  return new URL(getServerEnv().externalUrl).host;
}

/** host[:port] without the port, as Harbor's `harbor_hostname`. */
export function registryHostname(): string {
  return new URL(getServerEnv().externalUrl).hostname;
}

export const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

/** `repository` of event_data: the namespace is the project, the name the rest. */
export function repositoryPart(fullName: string, isPublic: boolean, created?: Date): HarborWebhookRepository {
  const slash = fullName.indexOf("/");
  return {
    ...(created ? { date_created: seconds(created) } : {}),
    name: fullName.slice(slash + 1),
    namespace: fullName.slice(0, slash),
    repo_full_name: fullName,
    repo_type: isPublic ? "public" : "private",
  };
}

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
  const host = registryHost();
  const resourceUrl = input.tag ? `${host}/${input.repository}:${input.tag}` : `${host}/${input.repository}@${input.digest}`;
  return {
    type: input.type,
    occur_at: seconds(input.at),
    operator: input.operator,
    event_data: {
      resources: [{ digest: input.digest, tag: input.tag ?? "", resource_url: resourceUrl, ...(input.scanOverview ? { scan_overview: input.scanOverview } : {}) }],
      repository: repositoryPart(input.repository, input.isPublic, input.repositoryCreated ?? input.at),
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
  const what =
    resource?.resource_url ||
    payload.event_data.repository?.repo_full_name ||
    (payload.event_data.retention?.project_name as string | undefined) ||
    (payload.event_data.replication?.description as string | undefined) ||
    "";
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
