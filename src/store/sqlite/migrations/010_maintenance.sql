-- Facts about the database's upkeep that must survive restarts: when retention last ran, when the
-- file was last vacuumed. One row per key; values are text.
CREATE TABLE maintenance (
  key         TEXT PRIMARY KEY,
  value       TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
