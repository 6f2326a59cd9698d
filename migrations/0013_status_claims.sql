-- Status claims move from one page-wide token to one per component (see status_claims in the schema).
DROP TABLE `status_claim`;
--> statement-breakpoint
CREATE TABLE `status_claims` (
	`component_id` text PRIMARY KEY NOT NULL,
	`token` integer NOT NULL
);
