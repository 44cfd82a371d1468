-- Browser sign-ins: a session cookie minted with an operator token (POST /auth/session). Only the
-- cookie's SHA-256 is kept. token_id is the fingerprint of the token that signed in, so revoking
-- that token (or the name it belonged to) ends its sign-ins; they survive daemon restarts.
CREATE TABLE sign_ins (
  cookie_hash  TEXT PRIMARY KEY,
  principal    TEXT NOT NULL,
  token_id     TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  expires_at   TEXT NOT NULL
);
CREATE INDEX sign_ins_token ON sign_ins(token_id);
CREATE INDEX sign_ins_expiry ON sign_ins(expires_at);
