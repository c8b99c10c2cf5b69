/**
 * The Pluggable Scanner API's media types (spec v1.1, and v1.2's SBOM report), as Harbor's client
 * (src/pkg/scan/rest/v1/spec.go) and Wharf's send and expect them.
 */
export const METADATA_MIME = "application/vnd.scanner.adapter.metadata+json; version=1.0";
export const METADATA_MIME_V1_1 = "application/vnd.scanner.adapter.metadata+json; version=1.1";
export const SCAN_REQUEST_MIME = "application/vnd.scanner.adapter.scan.request+json; version=1.0";
export const SCAN_REQUEST_MIME_V1_1 = "application/vnd.scanner.adapter.scan.request+json; version=1.1";
export const SCAN_RESPONSE_MIME = "application/vnd.scanner.adapter.scan.response+json; version=1.0";
export const ERROR_MIME = "application/vnd.scanner.adapter.error+json; version=1.0";

/** Harbor's native report (v1.0) and the generic v1.1 report: the same HarborVulnerabilityReport. */
export const VULN_REPORT_HARBOR_MIME = "application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0";
export const VULN_REPORT_MIME = "application/vnd.security.vulnerability.report; version=1.1";
/** v1.2: an SBOM wrapped in HarborSbomReport; the format is asked for with `?sbom_media_type=`. */
export const SBOM_REPORT_MIME = "application/vnd.security.sbom.report+json; version=1.0";
export const CYCLONEDX_JSON = "application/vnd.cyclonedx+json";
export const SPDX_JSON = "application/spdx+json";

export const OCI_MANIFEST_MIME = "application/vnd.oci.image.manifest.v1+json";
export const DOCKER_MANIFEST_MIME = "application/vnd.docker.distribution.manifest.v2+json";

/** Report MIME types Wharf's client stores and understands. */
export const VULNERABILITY_REPORT_MIMES = [VULN_REPORT_MIME, VULN_REPORT_HARBOR_MIME] as const;

/**
 * Media types compared as the spec writes them: type/subtype and `version` parameter, case and
 * spaces aside ("…report; version=1.1" and "…report;version=1.1" are one type).
 */
export function sameMime(a: string, b: string): boolean {
  return normalizeMime(a) === normalizeMime(b);
}

export function normalizeMime(value: string): string {
  const [type = "", ...params] = value.split(";").map((part) => part.trim().toLowerCase());
  const kept = params.filter((p) => p.startsWith("version=")).sort();
  return [type, ...kept].join("; ");
}
