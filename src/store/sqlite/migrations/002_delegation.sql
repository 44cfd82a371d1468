-- Escalations from a child session to its parent: approval/permission requests, questions,
-- progress and results. The parent-side message and event are written in the same transaction.
CREATE TABLE requests (
  id                 TEXT PRIMARY KEY,
  parent_session_id  TEXT NOT NULL REFERENCES sessions(id),
  child_session_id   TEXT NOT NULL REFERENCES sessions(id),
  child_run_id       TEXT NOT NULL REFERENCES runs(id),
  kind               TEXT NOT NULL,
  text               TEXT NOT NULL,
  state              TEXT NOT NULL CHECK (state IN ('open', 'answered', 'noted')),
  message_id         TEXT NOT NULL,
  answer_text        TEXT,
  answer_message_id  TEXT,
  answer_run_id      TEXT,
  created_at         TEXT NOT NULL,
  answered_at        TEXT
);
CREATE INDEX requests_parent ON requests(parent_session_id, id);
CREATE INDEX requests_child_state ON requests(child_session_id, state);

-- Tokens minted for one run's agent process; only their SHA-256 is kept.
CREATE TABLE run_tokens (
  token_hash  TEXT PRIMARY KEY,
  run_id      TEXT NOT NULL REFERENCES runs(id),
  created_at  TEXT NOT NULL
);
CREATE INDEX run_tokens_run ON run_tokens(run_id);
