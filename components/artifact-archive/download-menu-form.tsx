"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";

/** The Download menu's form (download-menu.tsx), loaded lazily when the menu is first opened. */
export default function DownloadMenuForm({ href, platforms, isIndex }: { href: string; platforms: string[]; isIndex: boolean }) {
  const t = useTranslations("artifactArchive");
  const [format, setFormat] = useState("docker-archive");
  const needsPlatform = isIndex && format === "docker-archive";
  return (
    <form method="get" action={href} className="absolute right-0 z-10 mt-1 w-72 space-y-2 rounded-md border border-slate-200 bg-white p-3 text-sm shadow">
      <label className="block">
        <span className="block font-medium">{t("format")}</span>
        <select name="format" value={format} onChange={(e) => setFormat(e.target.value)} className="mt-1 w-full rounded border border-slate-300 px-2 py-1">
          <option value="docker-archive">{t("dockerArchive")}</option>
          <option value="oci-layout">{t("ociLayout")}</option>
        </select>
      </label>
      {isIndex && (
        <label className="block">
          <span className="block font-medium">{t("platform")}</span>
          <select name="platform" required={needsPlatform} defaultValue="" className="mt-1 w-full rounded border border-slate-300 px-2 py-1">
            <option value="" disabled={needsPlatform}>
              {t("allPlatforms")}
            </option>
            {platforms.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
      )}
      <p className="text-xs text-slate-600">{needsPlatform ? t("needsPlatform") : t("hint")}</p>
      <button type="submit" className="rounded-md bg-sky-700 px-3 py-1.5 font-medium text-white" data-testid="artifact-download-submit">
        {t("downloadTar")}
      </button>
    </form>
  );
}
