-- OddsTap schema v1 (SQLite). Times are integers: milliseconds since the Unix epoch, UTC.
-- Every history row carries source_id, seq, ts (the envelope's server time) and received_at.
CREATE TABLE ingest_state (
    source_id   TEXT PRIMARY KEY,
    last_seq    INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE fixtures (
    source_id     TEXT NOT NULL,
    fixture_id    TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    ts            INTEGER NOT NULL,
    received_at   INTEGER NOT NULL,
    sport_id      INTEGER NOT NULL,
    tournament_id INTEGER NOT NULL,
    start_time    INTEGER NOT NULL,
    status        TEXT NOT NULL,
    home          TEXT,
    away          TEXT,
    score         TEXT,
    PRIMARY KEY (source_id, fixture_id)
) WITHOUT ROWID;
CREATE INDEX fixtures_fixture_id ON fixtures (fixture_id);
CREATE INDEX fixtures_start_time ON fixtures (start_time);

CREATE TABLE fixture_updates (
    id            INTEGER PRIMARY KEY,
    source_id     TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    ts            INTEGER NOT NULL,
    received_at   INTEGER NOT NULL,
    fixture_id    TEXT NOT NULL,
    sport_id      INTEGER NOT NULL,
    tournament_id INTEGER NOT NULL,
    start_time    INTEGER NOT NULL,
    status        TEXT NOT NULL,
    home          TEXT,
    away          TEXT,
    score         TEXT
);
CREATE INDEX fixture_updates_fixture ON fixture_updates (fixture_id, ts);

CREATE TABLE odds (
    id           INTEGER PRIMARY KEY,
    source_id    TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    ts           INTEGER NOT NULL,
    received_at  INTEGER NOT NULL,
    fixture_id   TEXT NOT NULL,
    market_type  TEXT NOT NULL,
    selection    TEXT NOT NULL,
    odd_value    REAL NOT NULL,
    timestamp    INTEGER NOT NULL,
    status       TEXT NOT NULL
);
CREATE INDEX odds_fixture_market_time ON odds (fixture_id, market_type, timestamp);

CREATE TABLE bets (
    id             INTEGER PRIMARY KEY,
    source_id      TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    ts             INTEGER NOT NULL,
    received_at    INTEGER NOT NULL,
    bet_id         TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    fixture_id     TEXT NOT NULL,
    market_type    TEXT NOT NULL,
    selection      TEXT NOT NULL,
    stake          REAL NOT NULL,
    odd_value      REAL,
    potential_win  REAL NOT NULL,
    timestamp      INTEGER NOT NULL
);
-- bet_id is unique per source: the natural key that de-duplicates resent bets.
CREATE UNIQUE INDEX bets_source_bet_id ON bets (source_id, bet_id);
CREATE INDEX bets_bet_id ON bets (bet_id);
CREATE INDEX bets_user_id ON bets (user_id);

CREATE TABLE rejects (
    id            INTEGER PRIMARY KEY,
    source_id     TEXT NOT NULL,
    seq           INTEGER,
    batch_index   INTEGER,
    received_at   INTEGER NOT NULL,
    code          TEXT NOT NULL,
    message       TEXT NOT NULL,
    raw           BLOB NOT NULL,
    raw_truncated INTEGER NOT NULL
);
CREATE INDEX rejects_received_at ON rejects (received_at);

CREATE TABLE gaps (
    id            INTEGER PRIMARY KEY,
    source_id     TEXT NOT NULL,
    connection    INTEGER NOT NULL,
    expected_seq  INTEGER NOT NULL,
    received_seq  INTEGER NOT NULL,
    missing       INTEGER NOT NULL,
    compacted     INTEGER NOT NULL,
    detected_at   INTEGER NOT NULL
);

CREATE TABLE connection_events (
    id          INTEGER PRIMARY KEY,
    source_id   TEXT NOT NULL,
    connection  INTEGER NOT NULL,
    state       TEXT NOT NULL,
    reason      TEXT NOT NULL,
    delay_ms    INTEGER NOT NULL,
    last_seq    INTEGER NOT NULL,
    at          INTEGER NOT NULL
);

-- `error` envelopes the server sent (not rejects: they were valid protocol).
CREATE TABLE feed_errors (
    id          INTEGER PRIMARY KEY,
    source_id   TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    ts          INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    code        TEXT NOT NULL,
    message     TEXT NOT NULL
);
