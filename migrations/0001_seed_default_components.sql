-- The five components every Beacon page starts with, in the order the page shows them.
-- Fixed ids make this idempotent: re-running it (or running it on a database that already has them)
-- inserts nothing twice, and an admin who later deletes one does not get it back.
INSERT OR IGNORE INTO `components` (`id`, `name`, `description`, `position`, `check_kind`) VALUES
  ('2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0001', 'API', 'Public and internal HTTP API', 1, 'api'),
  ('2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0002', 'Database', 'Primary database (Cloudflare D1)', 2, 'database'),
  ('2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0003', 'File Storage', 'Object storage (S3-compatible)', 3, 'storage'),
  ('2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0004', 'Email Service', 'Transactional email (Resend)', 4, 'email'),
  ('2b0c6f3e-5d1a-4e0b-9a51-0c5e3f1a0005', 'Authentication', 'Sign-in and sessions (Clerk)', 5, 'auth');
