import type { JobHandler } from "@/lib/jobs/define-job";
import { type TestFanOutPayload, testItemJob } from "@/lib/jobs/testing/test-jobs";

const handleFanOut: JobHandler<TestFanOutPayload> = ({ payload, fanOut }) => fanOut(testItemJob, payload.items);

export default handleFanOut;
