-- Job fan-out: a child run names its parent, whose progress is its children done. And a
-- repository being deleted by the `repository.delete` job: hidden from listings and reads, and
-- refusing pushes, from the moment the delete was accepted.

-- AlterTable
ALTER TABLE "job_runs" ADD COLUMN     "parent_run_id" INTEGER;

-- AlterTable
ALTER TABLE "repositories" ADD COLUMN     "deleting_at" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "job_runs_parent_run_id_idx" ON "job_runs"("parent_run_id");

-- AddForeignKey
ALTER TABLE "job_runs" ADD CONSTRAINT "job_runs_parent_run_id_fkey" FOREIGN KEY ("parent_run_id") REFERENCES "job_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
