ALTER TABLE `components` ADD `platform_check` text;--> statement-breakpoint
-- The seeded components keep the platform check they were made with, also where a monitor replaced it since.
UPDATE `components` SET `platform_check` = CASE `id`
  WHEN '2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0001' THEN 'api'
  WHEN '2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0002' THEN 'database'
  WHEN '2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0003' THEN 'storage'
  WHEN '2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0004' THEN 'email'
  WHEN '2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0005' THEN 'auth'
END
WHERE `id` IN ('2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0001', '2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0002', '2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0003', '2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0004', '2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0005');
--> statement-breakpoint
UPDATE `components` SET `platform_check` = `check_kind` WHERE `platform_check` IS NULL AND `check_kind` IN ('api', 'database', 'storage', 'email', 'auth');
