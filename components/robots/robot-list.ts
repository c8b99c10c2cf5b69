/** The robot list's shape, shared by the project and the system robot pages (no "use client": server pages use it). */
import type { TableColumn } from "@/components/ui/table";

/** A robot as the list shows it (dates as ISO strings: it crosses to the client). */
export type RobotRowData = {
  id: number;
  name: string;
  description: string;
  disabled: boolean;
  expiresAt: string | null;
  createdAt: string;
  creatorName: string;
  /** `resource:action` per namespace; one namespace for a project robot. */
  permissions: { namespace: string; permissions: string[] }[];
};

/** The list's columns: secondary ones collapse into the name cell as the table narrows. */
export function robotColumns(t: (key: string) => string): TableColumn[] {
  return [
    t("columns.name"),
    t("columns.permissions"),
    { label: t("columns.created"), className: "hidden @4xl:table-cell" },
    { label: t("columns.creator"), className: "hidden @3xl:table-cell" },
    t("columns.expires"),
    { label: t("columns.status"), className: "hidden @2xl:table-cell" },
    { label: t("columns.actions"), srOnly: true },
  ];
}

/** How many columns robotColumns has (a full-width row spans them). */
export const ROBOT_COLUMN_COUNT = 7;

/** Groups a robot's grants by namespace, for RobotRowData. */
export function groupGrants(grants: { namespace: string; resource: string; action: string }[]): RobotRowData["permissions"] {
  const by = new Map<string, string[]>();
  for (const g of grants) by.set(g.namespace, [...(by.get(g.namespace) ?? []), `${g.resource}:${g.action}`]);
  return [...by].map(([namespace, permissions]) => ({ namespace, permissions }));
}

/** A robot from the service as the list's client rows take it. */
export function toRobotRowData(robot: {
  id: number;
  name: string;
  description: string;
  disabled: boolean;
  expiresAt: Date | null;
  createdAt: Date;
  creatorName: string;
  permissions: { namespace: string; resource: string; action: string }[];
}): RobotRowData {
  return {
    id: robot.id,
    name: robot.name,
    description: robot.description,
    disabled: robot.disabled,
    expiresAt: robot.expiresAt?.toISOString() ?? null,
    createdAt: robot.createdAt.toISOString(),
    creatorName: robot.creatorName,
    permissions: groupGrants(robot.permissions),
  };
}
