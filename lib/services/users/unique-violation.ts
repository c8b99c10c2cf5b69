import "server-only";
import { Prisma } from "@/lib/generated/prisma/client";

/** True for Postgres unique violations however Prisma's driver adapter reports them. */
export function isUniqueViolation(err: unknown): boolean {
  if (err instanceof Prisma.PrismaClientKnownRequestError) return err.code === "P2002";
  const text = String((err as { message?: unknown })?.message ?? "");
  return /unique constraint|duplicate key/i.test(text);
}
