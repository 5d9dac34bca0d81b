/** A small promise wrapper over the `sqlite3` package: the calls the catalog index needs. */
import sqlite3 from 'sqlite3';

/** An open SQLite database. */
export class Sqlite {
  private constructor(private readonly db: sqlite3.Database) {}

  /** Opens (or, unless `readonly`, creates) the database at `file`. */
  static open(file: string, readonly = false): Promise<Sqlite> {
    return new Promise((resolve, reject) => {
      const mode = readonly ? sqlite3.OPEN_READONLY : sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE;
      const db = new sqlite3.Database(file, mode, (err) => (err ? reject(err) : resolve(new Sqlite(db))));
    });
  }

  /** Runs statements without results (several allowed, `;`-separated). */
  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => this.db.exec(sql, (err) => (err ? reject(err) : resolve())));
  }

  /** Runs one statement with parameters. */
  run(sql: string, params: unknown[] = []): Promise<void> {
    return new Promise((resolve, reject) =>
      this.db.run(sql, params, (err) => (err ? reject(err) : resolve())),
    );
  }

  /** All result rows of one query. */
  all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return new Promise((resolve, reject) =>
      this.db.all(sql, params, (err, rows) => (err ? reject(err) : resolve(rows as T[]))),
    );
  }

  /** Closes the database. */
  close(): Promise<void> {
    return new Promise((resolve, reject) => this.db.close((err) => (err ? reject(err) : resolve())));
  }
}
