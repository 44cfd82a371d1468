-- Replaying a session by cursor (`position > ?` in position order) had only the (session_id, seq)
-- index, so every page sorted the session's whole remaining log in a temp b-tree: catching up
-- 100k events cost O(n²). With this index a page is a range read.
CREATE INDEX events_session_position ON events(session_id, position);
