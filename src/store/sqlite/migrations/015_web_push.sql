-- Web Push: the daemon's VAPID key pair, generated once and kept (browsers bind their
-- subscriptions to its public key), and the browsers subscribed. Their deliveries go through the
-- same outbox as webhooks.
CREATE TABLE vapid_keys (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  public_key   TEXT NOT NULL,
  private_key  TEXT NOT NULL,
  created_at   TEXT NOT NULL
);

CREATE TABLE push_subscriptions (
  id          TEXT PRIMARY KEY,
  owner       TEXT NOT NULL,
  endpoint    TEXT NOT NULL UNIQUE,          -- one row per browser: subscribing again updates it
  p256dh      TEXT NOT NULL,
  auth        TEXT NOT NULL,
  events      TEXT NOT NULL,
  session_id  TEXT,
  user_agent  TEXT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
CREATE INDEX push_subscriptions_owner ON push_subscriptions(owner, id);

ALTER TABLE deliveries ADD COLUMN subscription_id TEXT REFERENCES push_subscriptions(id) ON DELETE CASCADE;
CREATE INDEX deliveries_subscription ON deliveries(subscription_id, id);
