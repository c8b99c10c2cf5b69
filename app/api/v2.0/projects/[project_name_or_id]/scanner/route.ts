import * as scanners from "@/lib/api/routes/scanners";

export const dynamic = "force-dynamic";

export const GET = scanners.projectScanner;
export const PUT = scanners.setProjectScannerRoute;
