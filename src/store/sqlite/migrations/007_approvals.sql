-- Approvals: an agent asks before it acts; a person, its parent agent, an allow rule, a session
-- grant or the policy answers. Each is a request of kind `approval` on the API. The same ask (its
-- provider key) within one attempt of a run is one row, so a driver that asks again gets it back.
CREATE TABLE approvals (
  id                 TEXT PRIMARY KEY,
  session_id         TEXT NOT NULL REFERENCES sessions(id),
  run_id             TEXT NOT NULL REFERENCES runs(id),
  attempt            INTEGER NOT NULL,
  ask_key            TEXT NOT NULL,
  -- Where it is routed: the parent session of a child session; NULL for a root session (its owner).
  parent_session_id  TEXT REFERENCES sessions(id),
  action             TEXT NOT NULL CHECK (action IN ('command', 'file_change', 'tool')),
  command            TEXT,
  cwd                TEXT,
  tool               TEXT,
  input              TEXT,
  changes            TEXT,
  reason             TEXT,
  decisions          TEXT NOT NULL,
  text               TEXT NOT NULL,
  state              TEXT NOT NULL CHECK (state IN ('open', 'answered', 'expired', 'cancelled')),
  decision           TEXT CHECK (decision IN ('approve', 'approve_for_session', 'deny')),
  message            TEXT,
  answered_by        TEXT,
  created_at         TEXT NOT NULL,
  answered_at        TEXT,
  UNIQUE (run_id, attempt, ask_key)
);
CREATE INDEX approvals_state ON approvals(state, id);
CREATE INDEX approvals_session ON approvals(session_id, id);
CREATE INDEX approvals_parent ON approvals(parent_session_id, id);
CREATE INDEX approvals_run_state ON approvals(run_id, state);

-- "Approve for the rest of the session": a command prefix, a tool name or a file path that no
-- longer asks in that session. Written in the transaction that records the answer.
CREATE TABLE approval_grants (
  session_id  TEXT NOT NULL REFERENCES sessions(id),
  kind        TEXT NOT NULL CHECK (kind IN ('command', 'tool', 'file_change')),
  value       TEXT NOT NULL,
  request_id  TEXT NOT NULL REFERENCES approvals(id),
  created_at  TEXT NOT NULL,
  PRIMARY KEY (session_id, kind, value)
);
