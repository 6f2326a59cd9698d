-- A window's earlier events, looked up by the id in their payload when a later move of it is fanned out.
CREATE INDEX `events_maintenance_idx` ON `events` (json_extract(`payload`, '$.maintenance_id'));
