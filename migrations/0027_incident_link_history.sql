CREATE TABLE `incident_link_history` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`incident_id` text NOT NULL,
	`component_id` text NOT NULL,
	`status` text,
	`at` integer NOT NULL,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`component_id`) REFERENCES `components`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `incident_link_history_incident_idx` ON `incident_link_history` (`incident_id`,`at`);--> statement-breakpoint
CREATE INDEX `incident_link_history_component_idx` ON `incident_link_history` (`component_id`);--> statement-breakpoint
-- What open incidents set now holds from when each component was named: their later changes build on it.
-- Resolved incidents keep no history; the page reads their links as before.
INSERT INTO `incident_link_history` (`incident_id`, `component_id`, `status`, `at`)
SELECT ic.`incident_id`, ic.`component_id`, ic.`status`, coalesce(ic.`added_at`, i.`started_at`)
FROM `incident_components` ic JOIN `incidents` i ON i.`id` = ic.`incident_id`
WHERE i.`status` IN ('investigating', 'identified', 'monitoring');
