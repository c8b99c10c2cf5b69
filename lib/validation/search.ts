import { z } from "zod";
import { ZSearchText } from "@/lib/validation/common";
import { ZConsolePaging } from "@/lib/validation/pagination";

/** The /search page's URL: the text, which kind is listed (unset: the first kind with matches), the page. */
export const ZSearchPageQuery = z.object({
  q: ZSearchText.catch(undefined),
  kind: z.enum(["projects", "repositories"]).optional().catch(undefined),
  ...ZConsolePaging.shape,
});
export type TSearchPageQuery = z.infer<typeof ZSearchPageQuery>;
