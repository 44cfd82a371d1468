-- Retention (--retain-days) deletes a prefix of an ended session's event log. The highest position
-- it deleted is kept per session, so a cursor at or below it is answered `410 cursor_expired` with
-- the oldest cursor still valid, instead of silently skipping what was pruned.
ALTER TABLE sessions ADD COLUMN pruned_through INTEGER NOT NULL DEFAULT 0;
