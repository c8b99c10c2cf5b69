import { AppError } from "@/lib/errors";

/**
 * A change a tag policy forbids: moving or deleting an immutable tag, or a new tag that does not
 * match the project's naming policy. 412 with Harbor's code for an immutability refusal
 * (PRECONDITION): the request is well formed and allowed, but the tag's state forbids it.
 */
export class TagPolicyError extends AppError {
  constructor(message: string) {
    super(message, 412, "PRECONDITION");
  }
}
