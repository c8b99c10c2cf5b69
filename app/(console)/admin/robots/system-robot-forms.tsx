"use client";

import { type ComponentProps, lazy, Suspense } from "react";
import { deleteSystemRobotAction, refreshSystemRobotSecretAction, setSystemRobotDisabledAction } from "@/app/(console)/admin/robots/actions";
import type { RobotRowData } from "@/components/robots/robot-list";
import { RobotRow } from "@/components/robots/robot-row";

export function SystemRobotRow({ robot, canManage }: { robot: RobotRowData; canManage: boolean }) {
  return (
    <RobotRow
      robot={robot}
      fields={{}}
      canManage={canManage}
      showNamespace
      actions={{ refresh: refreshSystemRobotSecretAction, toggle: setSystemRobotDisabledAction, remove: deleteSystemRobotAction }}
    />
  );
}

const CreateSystemRobotFormPart = lazy(() => import("@/app/(console)/admin/robots/create-system-robot-form").then((m) => ({ default: m.CreateSystemRobotForm })));

/** Rendered on the server with the page; its JavaScript is its own chunk, hydrated once it arrives. */
export function CreateSystemRobotForm(props: ComponentProps<typeof CreateSystemRobotFormPart>) {
  return (
    <Suspense fallback={null}>
      <CreateSystemRobotFormPart {...props} />
    </Suspense>
  );
}
