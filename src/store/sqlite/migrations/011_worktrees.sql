-- A session's git worktree (issue 17). Kept on the session row rather than in a table of its own:
-- every read of a session needs it, and a child sharing its parent's worktree carries the same
-- values with the parent as owner. Removal stamps every session that uses the worktree.
ALTER TABLE sessions ADD COLUMN worktree_path TEXT;
ALTER TABLE sessions ADD COLUMN worktree_branch TEXT;
ALTER TABLE sessions ADD COLUMN worktree_base TEXT;
ALTER TABLE sessions ADD COLUMN worktree_repository TEXT;
ALTER TABLE sessions ADD COLUMN worktree_owner TEXT;
ALTER TABLE sessions ADD COLUMN worktree_removed_at TEXT;
CREATE INDEX sessions_worktree ON sessions(worktree_path) WHERE worktree_path IS NOT NULL;
-- Walking a session's subtree (usage with children) goes down by parent.
CREATE INDEX sessions_parent ON sessions(parent_session_id);
