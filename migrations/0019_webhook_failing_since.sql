-- When a webhook endpoint began failing: it is disabled only after failing for a day, not after one bad deploy.
ALTER TABLE `subscribers` ADD `failing_since` integer;