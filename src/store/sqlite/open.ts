import Database from 'better-sqlite3';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/**
 * The database was migrated by a newer agentd: its schema has migrations this build does not know,
 * and writing to it could corrupt what the newer version expects. Nothing was changed.
 */
export class DatabaseTooNewError extends Error {
  constructor(readonly dbPath: string, readonly unknown: string[], readonly newestKnown: string) {
    super(
      `${dbPath} was migrated by a newer agentd: it has migration${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}, ` +
        `and this agentd knows migrations up to ${newestKnown}. Start the newer agentd again, or restore a backup ` +
        'taken before the upgrade (docs/runbook.md, "Upgrades and downgrades").',
    );
  }
}

/** Migration files of this build, oldest first. */
export function knownMigrations(): string[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort();
}

/**
 * Opens the database in WAL mode with a busy timeout, then applies every numbered migration in
 * `migrations/` that has not been applied yet, each in its own transaction.
 */
export function openDatabase(path: string): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    // Refuse before changing anything (even the journal mode) a database a newer agentd owns.
    refuseNewerSchema(db, path);
  } catch (err) {
    db.close();
    throw err;
  }
  // A new file gets incremental auto-vacuum (it must be chosen before the first table), so pages
  // that retention frees can be returned to the disk in small steps instead of one long VACUUM.
  if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' LIMIT 1").get()) db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  // NORMAL is durable across process crashes in WAL mode; only an OS crash can lose the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

function refuseNewerSchema(db: Database.Database, path: string): void {
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!hasTable) return;
  const files = knownMigrations();
  const known = new Set(files.map((f) => Number.parseInt(f, 10)));
  const rows = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as { version: number; name: string }[];
  const unknown = rows.filter((row) => !known.has(row.version)).map((row) => row.name);
  if (unknown.length > 0) throw new DatabaseTooNewError(path, unknown, files[files.length - 1] ?? 'none');
}

function migrate(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const applied = new Set(
    db.prepare('SELECT version FROM schema_migrations').all().map((row) => (row as { version: number }).version),
  );
  const files = knownMigrations();
  for (const file of files) {
    const version = Number.parseInt(file, 10);
    if (applied.has(version)) continue;
    const sql = readFileSync(MIGRATIONS_DIR + file, 'utf8');
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        version,
        file,
        new Date().toISOString(),
      );
    })();
  }
}
