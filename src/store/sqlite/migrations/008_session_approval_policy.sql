-- A session's own approval policy (NULL: the daemon's --approval-policy) and allow rules (added to
-- the daemon's). A child session inherits both from its parent when it is spawned.
ALTER TABLE sessions ADD COLUMN approval_policy TEXT CHECK (approval_policy IN ('default', 'ask', 'auto', 'deny'));
ALTER TABLE sessions ADD COLUMN approval_allow TEXT NOT NULL DEFAULT '[]';
