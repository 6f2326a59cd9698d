-- An incident's earlier events, looked up by the id in their payload when its resolution is fanned out.
CREATE INDEX `events_incident_idx` ON `events` (json_extract(`payload`, '$.incident_id'));
