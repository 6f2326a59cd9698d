CREATE TABLE `maintenance_departures` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`maintenance_id` text NOT NULL,
	`component_id` text NOT NULL,
	`joined_at` integer,
	`left_at` integer NOT NULL,
	FOREIGN KEY (`maintenance_id`) REFERENCES `maintenances`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`component_id`) REFERENCES `components`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `maintenance_departures_component_idx` ON `maintenance_departures` (`component_id`,`left_at`);--> statement-breakpoint
ALTER TABLE `maintenance_components` ADD `joined_at` integer;