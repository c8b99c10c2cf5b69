-- The console language a user chose (issue 16.10): "en" or "zh-CN"; NULL until they choose one
-- (the console then follows the browser's cookie or Accept-Language).
ALTER TABLE "users" ADD COLUMN "locale" VARCHAR(16);
ALTER TABLE "users" ADD CONSTRAINT "users_locale_check" CHECK ("locale" IS NULL OR "locale" IN ('en', 'zh-CN'));
