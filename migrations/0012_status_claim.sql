CREATE TABLE `status_claim` (
	`id` integer PRIMARY KEY NOT NULL,
	`token` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `status_guards` (
	`reason` text NOT NULL,
	CONSTRAINT "status_moved" CHECK(0)
);
