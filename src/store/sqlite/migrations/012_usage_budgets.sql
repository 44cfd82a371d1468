-- Token usage and cost per run, normalised over providers (issue 17), so totals are sums in SQL.
-- `usage` keeps what the provider itself reported; these columns are what agentd makes of it.
ALTER TABLE runs ADD COLUMN input_tokens INTEGER;
ALTER TABLE runs ADD COLUMN cached_input_tokens INTEGER;
ALTER TABLE runs ADD COLUMN output_tokens INTEGER;
ALTER TABLE runs ADD COLUMN reasoning_tokens INTEGER;
ALTER TABLE runs ADD COLUMN usage_model TEXT;
-- 'reported' (the CLI said what it cost), 'estimated' (agentd's price table), NULL (no cost known).
ALTER TABLE runs ADD COLUMN cost_source TEXT;
-- Totals read only this index, never the runs' rows (prompts, final texts): a daemon-wide total
-- over 100k runs scanned the table in ~300 ms (npm run bench -- usage). ended_at first, for --since.
CREATE INDEX runs_usage ON runs(ended_at, session_id, input_tokens, cached_input_tokens, output_tokens,
  reasoning_tokens, cost_usd, cost_source) WHERE input_tokens IS NOT NULL OR cost_usd IS NOT NULL;

-- Per-session spend limits; NULL takes the daemon's default.
ALTER TABLE sessions ADD COLUMN max_cost_usd REAL;
ALTER TABLE sessions ADD COLUMN max_tokens INTEGER;

-- Runs recorded before this migration: their provider's own figures, read the same way agentd now
-- reads them (codex: input includes cached; claude: cache reads and writes are input too).
UPDATE runs SET
  input_tokens = json_extract(usage, '$.input_tokens'),
  cached_input_tokens = coalesce(json_extract(usage, '$.cached_input_tokens'), 0),
  output_tokens = json_extract(usage, '$.output_tokens'),
  reasoning_tokens = json_extract(usage, '$.reasoning_output_tokens')
WHERE usage IS NOT NULL AND provider = 'codex' AND json_valid(usage) AND json_type(usage, '$.input_tokens') = 'integer';
UPDATE runs SET
  input_tokens = json_extract(usage, '$.input_tokens') + coalesce(json_extract(usage, '$.cache_read_input_tokens'), 0)
    + coalesce(json_extract(usage, '$.cache_creation_input_tokens'), 0),
  cached_input_tokens = coalesce(json_extract(usage, '$.cache_read_input_tokens'), 0),
  output_tokens = json_extract(usage, '$.output_tokens')
WHERE usage IS NOT NULL AND provider = 'claude' AND json_valid(usage) AND json_type(usage, '$.input_tokens') = 'integer';
UPDATE runs SET cost_source = 'reported' WHERE cost_usd IS NOT NULL;
