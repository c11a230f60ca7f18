// Loaded with `node --import` by tests that check a command never loads the native SQLite module.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === 'sqlite3') throw new Error('refuse-sqlite: the sqlite3 module was loaded');
    return nextResolve(specifier, context);
  },
});
