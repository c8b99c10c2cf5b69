import "server-only";
// Every consumer Wharf ships registers itself when its module loads; importing this module loads
// them all, for the drain job's handler and for the drainer that decides when it is needed.
import "@/lib/services/replication/event-trigger";
import "@/lib/services/scan/scan-on-push";
import "@/lib/services/webhooks/artifact-events";

export { registeredArtifactEventConsumers } from "@/lib/services/events/consumers";
