-- last_checked_at used to be set by runs that could not observe a component (no configuration).
-- Keep only the time of the last result that really observed it; null where none ever did.
UPDATE `components` SET `last_checked_at` = (
  SELECT max(`checked_at`) FROM `check_results`
  WHERE `check_results`.`component_id` = `components`.`id` AND `check_results`.`outcome` != 'not_monitored'
) WHERE `monitored` = 0;
