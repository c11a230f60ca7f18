/** A problem with the database a user can fix; its message is the one line they see. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
}
