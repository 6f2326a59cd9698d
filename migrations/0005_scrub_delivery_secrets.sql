-- Deliveries written before secrets were kept out of storage carry links with tokens, codes and webhook
-- signing secrets in plain text. Event deliveries lose their copy of the message (it is rendered from the
-- event when needed); old confirmations lose theirs, and any not yet sent are skipped: their links were
-- checked against a hash that no longer matches, so signing up again sends a new one.
UPDATE `deliveries` SET `body_text` = '', `body_html` = NULL WHERE `event_id` NOT LIKE 'confirm:%' AND `body_text` != '';--> statement-breakpoint
UPDATE `deliveries` SET
  `status` = CASE WHEN `status` IN ('pending', 'sending') THEN 'skipped' ELSE `status` END,
  `last_error` = CASE WHEN `status` IN ('pending', 'sending') THEN 'Written before confirmation secrets left storage; signing up again sends a new one.' ELSE `last_error` END,
  `lease_until` = NULL,
  `body_text` = '[removed: this message carried a secret]',
  `body_html` = NULL
WHERE `event_id` LIKE 'confirm:%' AND `body_text` NOT LIKE '%{{%';
