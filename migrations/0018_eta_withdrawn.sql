-- Whether an update withdrew the ETA given earlier (explicit null), so none stands after it.
ALTER TABLE `incident_updates` ADD `eta_withdrawn` integer DEFAULT false NOT NULL;