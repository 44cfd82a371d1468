-- Sessions: one conversation thread each; runs inside a session are serial.
CREATE TABLE sessions (
  id                TEXT PRIMARY KEY,
  title             TEXT,
  provider          TEXT NOT NULL,
  cwd               TEXT NOT NULL,
  owner             TEXT NOT NULL,
  parent_session_id TEXT REFERENCES sessions(id),
  parent_run_id     TEXT,
  root_session_id   TEXT NOT NULL,
  depth             INTEGER NOT NULL DEFAULT 0,
  thread_ids        TEXT NOT NULL DEFAULT '{}',
  last_seq          INTEGER NOT NULL DEFAULT 0,
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL
);
CREATE INDEX sessions_owner ON sessions(owner, id);
CREATE INDEX sessions_parent_run ON sessions(parent_run_id);
CREATE INDEX sessions_root ON sessions(root_session_id);

CREATE TABLE messages (
  id          TEXT PRIMARY KEY,
  session_id  TEXT NOT NULL REFERENCES sessions(id),
  role        TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
  text        TEXT NOT NULL,
  run_id      TEXT,
  request_id  TEXT,
  created_at  TEXT NOT NULL
);
CREATE INDEX messages_session ON messages(session_id, id);

CREATE TABLE runs (
  id             TEXT PRIMARY KEY,
  session_id     TEXT NOT NULL REFERENCES sessions(id),
  state          TEXT NOT NULL CHECK (state IN ('queued','running','completed','failed','cancelled','interrupted')),
  provider       TEXT NOT NULL,
  prompt         TEXT NOT NULL,
  message_id     TEXT,
  parent_run_id  TEXT,
  worker_id      TEXT,
  pid            INTEGER,
  pgid           INTEGER,
  exit_code      INTEGER,
  error          TEXT,
  usage          TEXT,
  cost_usd       REAL,
  final_text     TEXT,
  attempt        INTEGER NOT NULL DEFAULT 0,
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL,
  started_at     TEXT,
  ended_at       TEXT
);
CREATE INDEX runs_state ON runs(state, id);
CREATE INDEX runs_session ON runs(session_id, id);

-- The append-only event log. `position` is the global order; `seq` is gap-free per session.
CREATE TABLE events (
  position    INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id  TEXT NOT NULL REFERENCES sessions(id),
  seq         INTEGER NOT NULL,
  type        TEXT NOT NULL,
  run_id      TEXT,
  ts          TEXT NOT NULL,
  data        TEXT NOT NULL,
  UNIQUE (session_id, seq)
);

-- Idempotency records: the first answer to (principal, route, key), written in the same
-- transaction as the effect it describes, so a replay after a crash never repeats the effect.
CREATE TABLE idempotency_keys (
  principal     TEXT NOT NULL,
  route         TEXT NOT NULL,
  key           TEXT NOT NULL,
  request_hash  TEXT NOT NULL,
  status        INTEGER NOT NULL,
  response      TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  PRIMARY KEY (principal, route, key)
);
CREATE INDEX idempotency_created ON idempotency_keys(created_at);
