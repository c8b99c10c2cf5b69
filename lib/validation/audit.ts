import { z } from "zod";
import { ZPage, ZPageSize } from "@/lib/validation/common";

export const ZListAuditEventsQuery = z.object({
  page: ZPage,
  pageSize: ZPageSize,
});
export type TListAuditEventsQuery = z.infer<typeof ZListAuditEventsQuery>;
