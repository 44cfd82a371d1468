-- The agent process's start time (from /proc), so recovery after a reboot never signals an
-- unrelated process group that happens to reuse a stored pgid.
ALTER TABLE runs ADD COLUMN proc_start TEXT;
