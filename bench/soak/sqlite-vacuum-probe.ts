/**
 * Would `auto_vacuum = INCREMENTAL` + `PRAGMA incremental_vacuum` after compaction batches keep a
 * SQLite file at its used size? Measured on two copies of the soak database taken at the end of
 * the streaming (the last horizon's deltas still in): both delete the `message.delta` events in
 * batches like the compactor (1 000 rows per transaction); one as Threadline opens it today
 * (`auto_vacuum = NONE`: freed pages go to the freelist, the file keeps its size), one converted
 * to `auto_vacuum = INCREMENTAL` (one `VACUUM`) that runs `PRAGMA incremental_vacuum` after each
 * batch. Figures only: src/ is not changed by the benchmark.
 */
import { copyFileSync, statSync } from "node:fs";
import Database from "better-sqlite3";

/** One copy's outcome. */
export interface VacuumProbeCopy {
  mode: "none" | "incremental";
  /** File bytes before the deletions (after the conversion `VACUUM` for `incremental`). */
  fileBytesBefore: number;
  /** File bytes after the deletions and a `wal_checkpoint(TRUNCATE)`. */
  fileBytesAfter: number;
  usedBytesAfter: number;
  freelistPagesAfter: number;
  batches: number;
  rowsDeleted: number;
  /** Time of the deletions (ms, all batches). */
  deleteMs: number;
  /** Time of the `incremental_vacuum` calls (ms, all batches; 0 for `none`). */
  vacuumMs: number;
  /** Time of the one-off conversion `VACUUM` (ms; 0 for `none`). */
  conversionMs: number;
}

/** Both copies, side by side. */
export interface VacuumProbe {
  batchRows: number;
  copies: VacuumProbeCopy[];
}

/**
 * Runs the probe on `snapshotPath` (a copy the caller made, e.g. with better-sqlite3's `backup`);
 * writes `<snapshotPath>.none` and `<snapshotPath>.incremental` beside it (the caller removes them).
 */
export function probeIncrementalVacuum(snapshotPath: string, batchRows = 1_000): VacuumProbe {
  return {
    batchRows,
    copies: (["none", "incremental"] as const).map((mode) =>
      probeCopy(snapshotPath, `${snapshotPath}.${mode}`, mode, batchRows),
    ),
  };
}

function probeCopy(
  source: string,
  path: string,
  mode: "none" | "incremental",
  batchRows: number,
): VacuumProbeCopy {
  copyFileSync(source, path);
  const db = new Database(path);
  try {
    let conversionMs = 0;
    if (mode === "incremental") {
      const t = performance.now();
      db.pragma("auto_vacuum = INCREMENTAL");
      db.exec("VACUUM");
      conversionMs = performance.now() - t;
    }
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    const fileBytesBefore = statSync(path).size;
    const remove = db.prepare(
      // `event_log`: where events live once moved out of the recent ones (migration 7).
      `delete from event_log where rowid in
         (select rowid from event_log where type = 'message.delta' limit ?)`,
    );
    let batches = 0;
    let rowsDeleted = 0;
    let deleteMs = 0;
    let vacuumMs = 0;
    for (;;) {
      const t0 = performance.now();
      const { changes } = remove.run(batchRows);
      const t1 = performance.now();
      deleteMs += t1 - t0;
      if (changes === 0) break;
      batches += 1;
      rowsDeleted += changes;
      if (mode === "incremental") {
        db.pragma("incremental_vacuum");
        vacuumMs += performance.now() - t1;
      }
    }
    db.pragma("wal_checkpoint(TRUNCATE)");
    const pageSize = Number(db.pragma("page_size", { simple: true }));
    const pages = Number(db.pragma("page_count", { simple: true }));
    const free = Number(db.pragma("freelist_count", { simple: true }));
    return {
      mode,
      fileBytesBefore,
      fileBytesAfter: statSync(path).size,
      usedBytesAfter: (pages - free) * pageSize,
      freelistPagesAfter: free,
      batches,
      rowsDeleted,
      deleteMs: Math.round(deleteMs),
      vacuumMs: Math.round(vacuumMs),
      conversionMs: Math.round(conversionMs),
    };
  } finally {
    db.close();
  }
}
