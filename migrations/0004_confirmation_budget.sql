CREATE TABLE `confirmation_budget` (
	`channel` text NOT NULL,
	`day` text NOT NULL,
	`sent` integer DEFAULT 0 NOT NULL,
	`last_claim` text,
	PRIMARY KEY(`channel`, `day`)
);
