import type Database from 'better-sqlite3';
import type { SignIn, SignInStore } from '../sign-ins.js';

export class SqliteSignIns implements SignInStore {
  private readonly stmt;

  constructor(db: Database.Database) {
    this.stmt = {
      insert: db.prepare('INSERT INTO sign_ins (cookie_hash, principal, token_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)'),
      find: db.prepare('SELECT * FROM sign_ins WHERE cookie_hash = ? AND expires_at > ?'),
      delete: db.prepare('DELETE FROM sign_ins WHERE cookie_hash = ?'),
      deleteForToken: db.prepare('DELETE FROM sign_ins WHERE token_id = ?'),
      prune: db.prepare('DELETE FROM sign_ins WHERE expires_at <= ?'),
      keepTokens: db.prepare('DELETE FROM sign_ins WHERE token_id NOT IN (SELECT value FROM json_each(?))'),
    };
    this.deleteMany = db.transaction((tokenIds: string[]) => tokenIds.reduce((n, id) => n + this.stmt.deleteForToken.run(id).changes, 0));
  }

  private readonly deleteMany: (tokenIds: string[]) => number;

  async save(s: SignIn): Promise<void> {
    this.stmt.insert.run(s.cookie_hash, s.principal, s.token_id, s.created_at, s.expires_at);
  }

  async find(cookieHash: string, now: Date): Promise<SignIn | undefined> {
    return this.stmt.find.get(cookieHash, now.toISOString()) as SignIn | undefined;
  }

  async delete(cookieHash: string): Promise<boolean> {
    return this.stmt.delete.run(cookieHash).changes > 0;
  }

  async keepTokens(tokenIds: string[]): Promise<number> {
    return this.stmt.keepTokens.run(JSON.stringify(tokenIds)).changes;
  }

  async deleteForTokens(tokenIds: string[]): Promise<number> {
    return tokenIds.length === 0 ? 0 : this.deleteMany(tokenIds);
  }

  async prune(now: Date): Promise<number> {
    return this.stmt.prune.run(now.toISOString()).changes;
  }
}
