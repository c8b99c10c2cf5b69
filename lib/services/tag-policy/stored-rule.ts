import { repositorySelectorSchema, type RepositorySelector } from "@/lib/policy/selectors";

/** An immutability rule as stored (immutable_tag_rules), its selectors parsed. */
export type StoredRule = {
  id: number;
  projectId: number;
  position: number;
  repositories: RepositorySelector;
  tags: RepositorySelector;
  disabled: boolean;
};

export function parseStoredRule(row: { id: number; projectId: number; position: number; repositories: unknown; tags: unknown; disabled: boolean }): StoredRule {
  // Written only through the services, which validate with the same schema.
  return {
    id: row.id,
    projectId: row.projectId,
    position: row.position,
    repositories: repositorySelectorSchema.parse(row.repositories),
    tags: repositorySelectorSchema.parse(row.tags),
    disabled: row.disabled,
  };
}

function describeSelector(what: string, selector: RepositorySelector): string {
  const kind = selector.kind === "regex" ? "the regular expression" : "";
  return `${what} ${selector.decoration === "excludes" ? "excluding" : "matching"} ${kind ? `${kind} ` : ""}${selector.pattern}`;
}

/** "immutability rule 3 (repositories matching **, tags matching v*)": how a refusal names a rule. */
export function describeRule(rule: StoredRule): string {
  return `immutability rule ${rule.id} (${describeSelector("repositories", rule.repositories)}, ${describeSelector("tags", rule.tags)})`;
}
