"use client";

import { type ComponentProps, lazy, Suspense } from "react";
import { deleteRobotAction, refreshRobotSecretAction, setRobotDisabledAction } from "@/app/(console)/projects/[projectId]/robots/actions";
import type { RobotRowData } from "@/components/robots/robot-list";
import { RobotRow } from "@/components/robots/robot-row";

/** A project robot's row: its actions post the project too (to refresh that project's list). */
export function ProjectRobotRow({ projectId, robot, canManage }: { projectId: number; robot: RobotRowData; canManage: boolean }) {
  return (
    <RobotRow
      robot={robot}
      fields={{ projectId }}
      canManage={canManage}
      actions={{ refresh: refreshRobotSecretAction, toggle: setRobotDisabledAction, remove: deleteRobotAction }}
    />
  );
}

const CreateRobotFormPart = lazy(() => import("@/app/(console)/projects/[projectId]/robots/create-robot-form").then((m) => ({ default: m.CreateRobotForm })));

/** Rendered on the server with the page; its JavaScript is its own chunk, hydrated once it arrives. */
export function CreateRobotForm(props: ComponentProps<typeof CreateRobotFormPart>) {
  return (
    <Suspense fallback={null}>
      <CreateRobotFormPart {...props} />
    </Suspense>
  );
}
