CREATE TABLE `check_results` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`component_id` text NOT NULL,
	`checked_at` integer NOT NULL,
	`outcome` text NOT NULL,
	`latency_ms` integer,
	`error` text,
	`in_maintenance` integer DEFAULT false NOT NULL,
	FOREIGN KEY (`component_id`) REFERENCES `components`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `check_results_component_time_idx` ON `check_results` (`component_id`,`checked_at`);--> statement-breakpoint
CREATE INDEX `check_results_time_idx` ON `check_results` (`checked_at`);--> statement-breakpoint
CREATE TABLE `check_runs` (
	`scheduled_time` integer PRIMARY KEY NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE TABLE `component_groups` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`position` integer DEFAULT 0 NOT NULL,
	`collapsed` integer DEFAULT false NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `components` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`position` integer DEFAULT 0 NOT NULL,
	`group_id` text,
	`check_kind` text DEFAULT 'none' NOT NULL,
	`monitor` text,
	`confirmations` integer DEFAULT 2 NOT NULL,
	`monitored_status` text DEFAULT 'operational' NOT NULL,
	`monitored_since` integer,
	`monitored` integer DEFAULT false NOT NULL,
	`pending_status` text,
	`pending_count` integer DEFAULT 0 NOT NULL,
	`pending_since` integer,
	`last_checked_at` integer,
	`last_latency_ms` integer,
	`last_error` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`group_id`) REFERENCES `component_groups`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `components_position_idx` ON `components` (`position`);--> statement-breakpoint
CREATE INDEX `components_group_idx` ON `components` (`group_id`);--> statement-breakpoint
CREATE TABLE `daily_rollups` (
	`component_id` text NOT NULL,
	`day` text NOT NULL,
	`observed_seconds` integer DEFAULT 0 NOT NULL,
	`degraded_seconds` integer DEFAULT 0 NOT NULL,
	`partial_seconds` integer DEFAULT 0 NOT NULL,
	`major_seconds` integer DEFAULT 0 NOT NULL,
	`maintenance_seconds` integer DEFAULT 0 NOT NULL,
	`checks` integer DEFAULT 0 NOT NULL,
	`failures` integer DEFAULT 0 NOT NULL,
	`worst_status` text DEFAULT 'operational' NOT NULL,
	PRIMARY KEY(`component_id`, `day`),
	FOREIGN KEY (`component_id`) REFERENCES `components`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `daily_rollups_day_idx` ON `daily_rollups` (`day`);--> statement-breakpoint
CREATE TABLE `deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`event_id` text NOT NULL,
	`subscriber_id` text NOT NULL,
	`channel` text NOT NULL,
	`recipient` text NOT NULL,
	`subject` text NOT NULL,
	`body_text` text NOT NULL,
	`body_html` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`provider_id` text,
	`lease_until` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`sent_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `deliveries_event_subscriber_idx` ON `deliveries` (`event_id`,`subscriber_id`);--> statement-breakpoint
CREATE INDEX `deliveries_status_idx` ON `deliveries` (`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `deliveries_created_idx` ON `deliveries` (`created_at`);--> statement-breakpoint
CREATE TABLE `events` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`payload` text NOT NULL,
	`component_ids` text NOT NULL,
	`created_at` integer NOT NULL,
	`enqueued_at` integer,
	`dispatched_at` integer
);
--> statement-breakpoint
CREATE INDEX `events_dispatched_idx` ON `events` (`dispatched_at`,`created_at`);--> statement-breakpoint
CREATE TABLE `incident_components` (
	`incident_id` text NOT NULL,
	`component_id` text NOT NULL,
	`status` text NOT NULL,
	PRIMARY KEY(`incident_id`, `component_id`),
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`component_id`) REFERENCES `components`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `incident_components_component_idx` ON `incident_components` (`component_id`);--> statement-breakpoint
CREATE TABLE `incident_updates` (
	`id` text PRIMARY KEY NOT NULL,
	`incident_id` text NOT NULL,
	`status` text NOT NULL,
	`message` text NOT NULL,
	`estimated_resolution` integer,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `incident_updates_incident_idx` ON `incident_updates` (`incident_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `incidents` (
	`id` text PRIMARY KEY NOT NULL,
	`title` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`status` text DEFAULT 'investigating' NOT NULL,
	`severity` text DEFAULT 'minor' NOT NULL,
	`started_at` integer NOT NULL,
	`resolved_at` integer,
	`root_cause` text,
	`resolution` text,
	`postmortem` text,
	`postmortem_published_at` integer,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `incidents_started_idx` ON `incidents` (`started_at`);--> statement-breakpoint
CREATE INDEX `incidents_resolved_idx` ON `incidents` (`resolved_at`);--> statement-breakpoint
CREATE TABLE `maintenance_components` (
	`maintenance_id` text NOT NULL,
	`component_id` text NOT NULL,
	PRIMARY KEY(`maintenance_id`, `component_id`),
	FOREIGN KEY (`maintenance_id`) REFERENCES `maintenances`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`component_id`) REFERENCES `components`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `maintenance_components_component_idx` ON `maintenance_components` (`component_id`);--> statement-breakpoint
CREATE TABLE `maintenances` (
	`id` text PRIMARY KEY NOT NULL,
	`title` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`status` text DEFAULT 'scheduled' NOT NULL,
	`scheduled_start` integer NOT NULL,
	`scheduled_end` integer NOT NULL,
	`started_at` integer,
	`completed_at` integer,
	`cancelled_at` integer,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `maintenances_status_start_idx` ON `maintenances` (`status`,`scheduled_start`);--> statement-breakpoint
CREATE INDEX `maintenances_end_idx` ON `maintenances` (`scheduled_end`);--> statement-breakpoint
CREATE TABLE `status_changes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`component_id` text NOT NULL,
	`from_status` text NOT NULL,
	`to_status` text NOT NULL,
	`source` text NOT NULL,
	`reference_id` text,
	`at` integer NOT NULL,
	FOREIGN KEY (`component_id`) REFERENCES `components`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `status_changes_component_at_idx` ON `status_changes` (`component_id`,`at`);--> statement-breakpoint
CREATE INDEX `status_changes_at_idx` ON `status_changes` (`at`);--> statement-breakpoint
CREATE TABLE `subscriber_components` (
	`subscriber_id` text NOT NULL,
	`component_id` text NOT NULL,
	PRIMARY KEY(`subscriber_id`, `component_id`),
	FOREIGN KEY (`subscriber_id`) REFERENCES `subscribers`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`component_id`) REFERENCES `components`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `subscriber_components_component_idx` ON `subscriber_components` (`component_id`);--> statement-breakpoint
CREATE TABLE `subscribers` (
	`id` text PRIMARY KEY NOT NULL,
	`channel` text NOT NULL,
	`address` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`all_components` integer DEFAULT true NOT NULL,
	`component_changes` integer DEFAULT false NOT NULL,
	`confirm_token_hash` text,
	`confirm_expires_at` integer,
	`confirm_attempts` integer DEFAULT 0 NOT NULL,
	`confirm_sent_count` integer DEFAULT 0 NOT NULL,
	`confirm_sent_day` text,
	`webhook_secret` text,
	`consecutive_failures` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`confirmed_at` integer,
	`unsubscribed_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `subscribers_channel_address_idx` ON `subscribers` (`channel`,`address`);--> statement-breakpoint
CREATE INDEX `subscribers_status_idx` ON `subscribers` (`status`);