/** A problem with the database a user can fix; its message is the one line they see. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
}

/** SQLite's error codes, in words a user can act on. */
export function describeSqliteError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/SQLITE_FULL/.test(message)) return 'the disk (or the database size limit) is full';
  if (/SQLITE_CANTOPEN/.test(message))
    return 'the file cannot be opened or created (check the folder exists and is writable)';
  if (/SQLITE_READONLY/.test(message)) return 'the file or its folder is read-only';
  if (/SQLITE_NOTADB/.test(message)) return 'the file is not a SQLite database';
  if (/SQLITE_CORRUPT/.test(message)) return 'the database is corrupt (try trading-tui maintenance check)';
  if (/SQLITE_BUSY/.test(message)) return 'the database is busy (another process holds a write lock)';
  return message.replace(/^Error: /, '');
}
