-- Runs that outlive the daemon (issue 19): an agent runs under a supervisor that spools its turn's
-- records to a file, and agentd stores how far into that spool it has consumed in the same
-- transaction as the events it derived, so a restarted daemon continues exactly there.
-- One row per supervised attempt of a run.
CREATE TABLE run_spools (
  run_id          TEXT NOT NULL REFERENCES runs(id),
  attempt         INTEGER NOT NULL,
  spool_offset    INTEGER NOT NULL DEFAULT 0,
  supervisor_pid  INTEGER,
  started_at      TEXT NOT NULL,
  PRIMARY KEY (run_id, attempt)
);
