-- A custom CA per registry endpoint (PEM certificates, public), applied with insecure to every request.
ALTER TABLE "registry_endpoints" ADD COLUMN "ca_certificate" TEXT;
