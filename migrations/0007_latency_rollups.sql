CREATE TABLE `latency_rollups` (
	`component_id` text NOT NULL,
	`span_ms` integer NOT NULL,
	`start` integer NOT NULL,
	`count` integer DEFAULT 0 NOT NULL,
	`min_ms` integer,
	`max_ms` integer,
	`sum_ms` integer DEFAULT 0 NOT NULL,
	`histogram` text NOT NULL,
	`failed_checks` integer DEFAULT 0 NOT NULL,
	`maintenance_checks` integer DEFAULT 0 NOT NULL,
	`observed_seconds` integer DEFAULT 0 NOT NULL,
	`partial_seconds` integer DEFAULT 0 NOT NULL,
	`major_seconds` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`component_id`, `span_ms`, `start`),
	FOREIGN KEY (`component_id`) REFERENCES `components`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `latency_rollups_span_start_idx` ON `latency_rollups` (`span_ms`,`start`);