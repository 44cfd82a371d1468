-- Notifications: webhook endpoints and one durable outbox. A notification (the signed payload,
-- whose id is the webhook-id) and a delivery per endpoint that wants it are inserted in the same
-- transaction as the event that causes them, so a crash can lose neither; a delivery stays
-- `pending` until a receiver's answer is recorded, so after a crash it is sent again (at least once).
CREATE TABLE webhook_endpoints (
  id               TEXT PRIMARY KEY,
  owner            TEXT NOT NULL,
  url              TEXT NOT NULL,
  events           TEXT NOT NULL,            -- JSON array of notification types
  session_id       TEXT,                     -- only this session and those below it; NULL: all of the owner's
  description      TEXT,
  -- Needed in clear to sign every delivery (HMAC); shown once, never logged nor listed.
  secret           TEXT NOT NULL,
  state            TEXT NOT NULL CHECK (state IN ('enabled', 'disabled')),
  disabled_reason  TEXT,
  disabled_at      TEXT,
  last_success_at  TEXT,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL
);
CREATE INDEX webhook_endpoints_owner ON webhook_endpoints(owner, id);

CREATE TABLE notifications (
  id          TEXT PRIMARY KEY,
  type        TEXT NOT NULL,
  session_id  TEXT,
  event_id    TEXT,
  payload     TEXT NOT NULL,                 -- the exact JSON body that is signed and sent
  created_at  TEXT NOT NULL
);

CREATE TABLE deliveries (
  id                TEXT PRIMARY KEY,
  notification_id   TEXT NOT NULL REFERENCES notifications(id),
  endpoint_id       TEXT REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  state             TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts          INTEGER NOT NULL DEFAULT 0,
  next_attempt_at   INTEGER,                 -- ms since the epoch; NULL: only a manual attempt (test)
  first_attempt_at  TEXT,
  last_attempt_at   TEXT,
  last_status       INTEGER,
  last_latency_ms   INTEGER,
  last_error        TEXT,
  created_at        TEXT NOT NULL,
  delivered_at      TEXT
);
CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE state = 'pending';
CREATE INDEX deliveries_endpoint ON deliveries(endpoint_id, id);
CREATE INDEX deliveries_notification ON deliveries(notification_id);

CREATE TABLE delivery_attempts (
  delivery_id  TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
  attempt      INTEGER NOT NULL,
  at           TEXT NOT NULL,
  status       INTEGER,
  latency_ms   INTEGER NOT NULL,
  error        TEXT,
  trigger      TEXT NOT NULL CHECK (trigger IN ('schedule', 'manual')),
  PRIMARY KEY (delivery_id, attempt)
);
