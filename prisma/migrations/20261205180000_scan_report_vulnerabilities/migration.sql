-- Security views (issue 9, items 5 and 7): each stored vulnerability report's findings as rows,
-- so project and system summaries and the CVE search aggregate in SQL rather than parsing every
-- report's JSON per request. Written by storeReportFindings (lib/services/scan/report-findings.ts)
-- whenever a report is stored; the reports already stored are backfilled below with the same
-- normalisation (severity on the spec's scale, empty fix version as none, bounded description).

CREATE TABLE "scan_report_vulnerabilities" (
    "id" BIGSERIAL NOT NULL,
    "report_id" INTEGER NOT NULL,
    "vuln_id" VARCHAR(255) NOT NULL,
    "package" VARCHAR(1024) NOT NULL,
    "version" VARCHAR(1024) NOT NULL,
    "fix_version" VARCHAR(1024),
    "severity" VARCHAR(16) NOT NULL,
    "severity_rank" SMALLINT NOT NULL,
    "cvss_score" DOUBLE PRECISION,
    "cvss_score_v3" DOUBLE PRECISION,
    "cvss_vector" VARCHAR(255),
    "description" TEXT,
    "links" TEXT[],

    CONSTRAINT "scan_report_vulnerabilities_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "scan_report_vulnerabilities_report_id_idx" ON "scan_report_vulnerabilities"("report_id");
CREATE INDEX "scan_report_vulnerabilities_vuln_id_idx" ON "scan_report_vulnerabilities"("vuln_id");
CREATE INDEX "scan_report_vulnerabilities_package_idx" ON "scan_report_vulnerabilities"("package");

ALTER TABLE "scan_report_vulnerabilities" ADD CONSTRAINT "scan_report_vulnerabilities_report_id_fkey" FOREIGN KEY ("report_id") REFERENCES "scan_reports"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Backfill: the succeeded vulnerability reports stored before this table existed.
WITH items AS (
    SELECT r.id AS report_id, f.v
    FROM "scan_reports" r
    CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(r.report -> 'vulnerabilities') = 'array' THEN r.report -> 'vulnerabilities' ELSE '[]'::jsonb END) AS f(v)
    WHERE r.status = 'succeeded'
      AND lower(replace(r.mime_type, ' ', '')) IN ('application/vnd.security.vulnerability.report;version=1.1', 'application/vnd.scanner.adapter.vuln.report.harbor+json;version=1.0')
      AND jsonb_typeof(f.v) = 'object' AND jsonb_typeof(f.v -> 'id') = 'string'
), norm AS (
    SELECT report_id, v,
        CASE upper(COALESCE(v ->> 'severity', ''))
            WHEN 'CRITICAL' THEN 'Critical' WHEN 'HIGH' THEN 'High' WHEN 'MEDIUM' THEN 'Medium' WHEN 'MODERATE' THEN 'Medium'
            WHEN 'LOW' THEN 'Low' WHEN 'NONE' THEN 'Negligible' WHEN 'NEGLIGIBLE' THEN 'Negligible' ELSE 'Unknown'
        END AS severity,
        CASE WHEN jsonb_typeof(v -> 'preferred_cvss' -> 'score_v3') = 'number' THEN (v -> 'preferred_cvss' ->> 'score_v3')::double precision END AS v3,
        CASE WHEN jsonb_typeof(v -> 'preferred_cvss' -> 'score_v2') = 'number' THEN (v -> 'preferred_cvss' ->> 'score_v2')::double precision END AS v2,
        CASE WHEN jsonb_typeof(v -> 'vendor_attributes' -> 'cvss_v4' -> 'score') = 'number' THEN (v -> 'vendor_attributes' -> 'cvss_v4' ->> 'score')::double precision END AS v4
    FROM items
)
INSERT INTO "scan_report_vulnerabilities" ("report_id", "vuln_id", "package", "version", "fix_version", "severity", "severity_rank", "cvss_score", "cvss_score_v3", "cvss_vector", "description", "links")
SELECT report_id,
    left(v ->> 'id', 255),
    left(CASE WHEN jsonb_typeof(v -> 'package') = 'string' THEN v ->> 'package' ELSE '' END, 1024),
    left(CASE WHEN jsonb_typeof(v -> 'version') = 'string' THEN v ->> 'version' ELSE '' END, 1024),
    NULLIF(left(CASE WHEN jsonb_typeof(v -> 'fix_version') = 'string' THEN v ->> 'fix_version' END, 1024), ''),
    severity,
    CASE severity WHEN 'Critical' THEN 5 WHEN 'High' THEN 4 WHEN 'Medium' THEN 3 WHEN 'Low' THEN 2 WHEN 'Negligible' THEN 1 ELSE 0 END,
    COALESCE(v3, v2, v4),
    v3,
    left(COALESCE(
        CASE WHEN jsonb_typeof(v -> 'preferred_cvss' -> 'vector_v3') = 'string' THEN v -> 'preferred_cvss' ->> 'vector_v3' END,
        CASE WHEN jsonb_typeof(v -> 'preferred_cvss' -> 'vector_v2') = 'string' THEN v -> 'preferred_cvss' ->> 'vector_v2' END,
        CASE WHEN jsonb_typeof(v -> 'vendor_attributes' -> 'cvss_v4' -> 'vector') = 'string' THEN v -> 'vendor_attributes' -> 'cvss_v4' ->> 'vector' END
    ), 255),
    left(CASE WHEN jsonb_typeof(v -> 'description') = 'string' THEN v ->> 'description' END, 2000),
    CASE WHEN jsonb_typeof(v -> 'links') = 'array'
        THEN ARRAY(SELECT left(l, 4096) FROM jsonb_array_elements_text(CASE WHEN (SELECT bool_and(jsonb_typeof(e) = 'string') FROM jsonb_array_elements(v -> 'links') e) THEN v -> 'links' ELSE '[]'::jsonb END) AS l LIMIT 20)
        ELSE ARRAY[]::TEXT[] END
FROM norm;
