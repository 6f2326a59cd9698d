CREATE TABLE `check_region_results` (
	`component_id` text NOT NULL,
	`checked_at` integer NOT NULL,
	`region` text NOT NULL,
	`outcome` text NOT NULL,
	`latency_ms` integer,
	`error` text,
	PRIMARY KEY(`component_id`, `checked_at`, `region`),
	FOREIGN KEY (`component_id`) REFERENCES `components`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `check_region_results_time_idx` ON `check_region_results` (`checked_at`);--> statement-breakpoint
ALTER TABLE `check_runs` ADD `summary` text;