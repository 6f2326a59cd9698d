-- Whether subscribers were told of each update; updates posted before this was kept count as told.
ALTER TABLE `incident_updates` ADD `notified` integer DEFAULT true NOT NULL;