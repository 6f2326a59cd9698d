ALTER TABLE `components` ADD `auto_incidents` text;--> statement-breakpoint
ALTER TABLE `incident_components` ADD `announced_status` text;--> statement-breakpoint
ALTER TABLE `incident_components` ADD `announced_at` integer;--> statement-breakpoint
ALTER TABLE `incidents` ADD `automatic` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `incidents` ADD `taken_over_at` integer;--> statement-breakpoint
ALTER TABLE `incidents` ADD `taken_over_by` text;