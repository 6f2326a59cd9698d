-- The admin list of subscribers pages through them newest first, of one status or of all: a page is an
-- ordered walk of an index, not a sort of the whole table. The status index is the new one's prefix.
DROP INDEX `subscribers_status_idx`;--> statement-breakpoint
CREATE INDEX `subscribers_status_created_idx` ON `subscribers` (`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `subscribers_created_idx` ON `subscribers` (`created_at`,`id`);