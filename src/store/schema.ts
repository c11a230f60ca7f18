/**
 * The database schema, as ordered migrations: migration i takes `PRAGMA user_version` from i to i + 1.
 * Never edit a released migration; add one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: the trading record.
  `
  CREATE TABLE portfolios (
    id INTEGER PRIMARY KEY,
    created_at INTEGER NOT NULL,
    starting_cash REAL NOT NULL
  );
  CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    portfolio_id INTEGER NOT NULL REFERENCES portfolios(id),
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    mode TEXT NOT NULL,
    seed INTEGER,
    options TEXT NOT NULL,
    version TEXT NOT NULL
  );
  CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    time INTEGER NOT NULL,
    kind TEXT NOT NULL,
    message TEXT NOT NULL
  );
  CREATE INDEX events_by_time ON events(time);
  CREATE TABLE equity_points (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    iteration INTEGER NOT NULL,
    time INTEGER NOT NULL,
    equity REAL NOT NULL,
    cash REAL NOT NULL,
    regime TEXT NOT NULL,
    PRIMARY KEY (run_id, iteration)
  ) WITHOUT ROWID;
  CREATE INDEX equity_points_by_time ON equity_points(time);
  CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    client_order_id TEXT NOT NULL UNIQUE,
    time INTEGER NOT NULL,
    symbol TEXT NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    qty INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('working', 'filled', 'replaced', 'cancelled'))
  );
  CREATE INDEX orders_working ON orders(status) WHERE status = 'working';
  CREATE TABLE fills (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    order_id INTEGER REFERENCES orders(id),
    time INTEGER NOT NULL,
    symbol TEXT NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    qty INTEGER NOT NULL,
    price REAL NOT NULL,
    fee REAL NOT NULL,
    regime TEXT NOT NULL
  );
  CREATE INDEX fills_by_time ON fills(time);
  CREATE TABLE regime_changes (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    time INTEGER NOT NULL,
    from_regime TEXT NOT NULL,
    to_regime TEXT NOT NULL,
    confidence REAL NOT NULL
  );
  CREATE TABLE bar_cache (
    source TEXT NOT NULL,
    symbol TEXT NOT NULL,
    timeframe TEXT NOT NULL,
    time INTEGER NOT NULL,
    open REAL NOT NULL,
    high REAL NOT NULL,
    low REAL NOT NULL,
    close REAL NOT NULL,
    volume REAL NOT NULL,
    fetched_at INTEGER NOT NULL,
    PRIMARY KEY (source, symbol, timeframe, time)
  ) WITHOUT ROWID;
  CREATE INDEX bar_cache_by_fetch ON bar_cache(fetched_at);
  CREATE TABLE checkpoints (
    portfolio_id INTEGER PRIMARY KEY REFERENCES portfolios(id),
    run_id INTEGER NOT NULL REFERENCES runs(id),
    iteration INTEGER NOT NULL,
    saved_at INTEGER NOT NULL,
    state TEXT NOT NULL
  );
  `,
  // 2: tuned controller profiles (learn tune).
  `
  CREATE TABLE profiles (
    name TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    objective TEXT NOT NULL,
    score REAL NOT NULL,
    config TEXT NOT NULL
  );
  `,
  // 3: when each row was recorded (wall clock), so cleanup ages rows by it and not by the market's
  // clock (a simulated run of today trades in 2025). NULL in rows written before: dated by their run.
  `
  ALTER TABLE events ADD COLUMN recorded_at INTEGER;
  ALTER TABLE equity_points ADD COLUMN recorded_at INTEGER;
  ALTER TABLE orders ADD COLUMN recorded_at INTEGER;
  ALTER TABLE fills ADD COLUMN recorded_at INTEGER;
  CREATE INDEX events_by_recorded ON events(recorded_at);
  CREATE INDEX equity_points_by_recorded ON equity_points(recorded_at);
  CREATE INDEX orders_by_recorded ON orders(recorded_at);
  CREATE INDEX fills_by_recorded ON fills(recorded_at);
  `,
  // 4: the regime detector's fitted models (issue 9), one row each time a fit is put in force.
  `
  CREATE TABLE regime_models (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    time INTEGER NOT NULL,
    model TEXT NOT NULL
  );
  `,
  // 5: the regime detector's newest bars' features (a resume continues exactly): float64s of one bar,
  // numbered as the detector counts them; a portfolio keeps only as many as its detector holds.
  `
  CREATE TABLE regime_features (
    portfolio_id INTEGER NOT NULL REFERENCES portfolios(id),
    bar INTEGER NOT NULL,
    features BLOB NOT NULL,
    PRIMARY KEY (portfolio_id, bar)
  ) WITHOUT ROWID;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
