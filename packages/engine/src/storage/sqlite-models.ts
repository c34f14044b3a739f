import type Database from 'better-sqlite3';
import type { ModelRecord } from './port.js';
import type { Statements } from './sqlite-statements.js';
import { modelFromRow, type ModelMeta, type ModelRow } from './sqlite-rows.js';

/**
 * The models table: saved model files (meta as JSON, bytes as a BLOB) and which version serves. At most one row is
 * active (a partial unique index); activating is one transaction.
 *
 * @example
 * const models = new SqliteModels(db, prepareAll(db));
 * const rec = models.save(meta, bytes);
 * models.activate(rec.version); // true
 */
export class SqliteModels {
  private readonly txActivate: (version: number) => boolean;

  constructor(
    private readonly db: Database.Database,
    private readonly stmt: Statements,
  ) {
    const s = stmt;
    this.txActivate = db.transaction((version: number) => {
      if (s.modelExists.get(version) === undefined) return false;
      s.deactivateModels.run();
      s.activateModel.run(version);
      return true;
    });
  }

  save(meta: ModelMeta, bytes: Uint8Array): ModelRecord {
    // better-sqlite3 binds Buffers as BLOBs; wrap the caller's bytes without copying.
    const blob = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const res = this.stmt.insertModel.run(JSON.stringify(meta), blob);
    return { ...meta, version: Number(res.lastInsertRowid), active: false, sizeBytes: bytes.byteLength };
  }

  list(): ModelRecord[] {
    return (this.stmt.listModels.all() as ModelRow[]).map(modelFromRow);
  }

  bytes(version: number): Uint8Array | null {
    return (this.stmt.modelBytes.get(version) as Buffer | undefined) ?? null;
  }

  activate(version: number): boolean {
    return this.txActivate(version);
  }

  delete(version: number): boolean {
    // Prepared per call: versions are pruned once per training run. `active = 0` keeps the serving one.
    return this.db.prepare('DELETE FROM models WHERE version = ? AND active = 0').run(version).changes > 0;
  }

  active(): ModelRecord | null {
    const row = this.stmt.activeModel.get() as ModelRow | undefined;
    return row ? modelFromRow(row) : null;
  }
}
