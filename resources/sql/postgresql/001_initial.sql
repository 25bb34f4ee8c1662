-- OddsTap schema v1 (PostgreSQL). Times are bigint milliseconds since the Unix epoch, UTC.
-- The big history tables (odds, fixture_updates) are partitioned by received_at, one partition a
-- day, created ahead by the application; a DEFAULT partition catches anything outside them.
CREATE TABLE ingest_state (
    source_id   text PRIMARY KEY,
    last_seq    bigint NOT NULL,
    updated_at  bigint NOT NULL
);

CREATE TABLE fixtures (
    source_id     text NOT NULL,
    fixture_id    text NOT NULL,
    seq           bigint NOT NULL,
    ts            bigint NOT NULL,
    received_at   bigint NOT NULL,
    sport_id      bigint NOT NULL,
    tournament_id bigint NOT NULL,
    start_time    bigint NOT NULL,
    status        text NOT NULL,
    home          text,
    away          text,
    score         text,
    PRIMARY KEY (source_id, fixture_id)
);
CREATE INDEX fixtures_fixture_id ON fixtures (fixture_id);
CREATE INDEX fixtures_start_time ON fixtures (start_time);

CREATE TABLE fixture_updates (
    source_id     text NOT NULL,
    seq           bigint NOT NULL,
    ts            bigint NOT NULL,
    received_at   bigint NOT NULL,
    fixture_id    text NOT NULL,
    sport_id      bigint NOT NULL,
    tournament_id bigint NOT NULL,
    start_time    bigint NOT NULL,
    status        text NOT NULL,
    home          text,
    away          text,
    score         text
) PARTITION BY RANGE (received_at);
CREATE INDEX fixture_updates_fixture ON fixture_updates (fixture_id, ts);
CREATE TABLE fixture_updates_default PARTITION OF fixture_updates DEFAULT;

CREATE TABLE odds (
    source_id    text NOT NULL,
    seq          bigint NOT NULL,
    ts           bigint NOT NULL,
    received_at  bigint NOT NULL,
    fixture_id   text NOT NULL,
    market_type  text NOT NULL,
    selection    text NOT NULL,
    odd_value    double precision NOT NULL,
    timestamp    bigint NOT NULL,
    status       text NOT NULL
) PARTITION BY RANGE (received_at);
CREATE INDEX odds_fixture_market_time ON odds (fixture_id, market_type, timestamp);
CREATE TABLE odds_default PARTITION OF odds DEFAULT;

-- Not partitioned: (source_id, bet_id) must stay unique, the natural key that de-duplicates bets.
CREATE TABLE bets (
    source_id      text NOT NULL,
    seq            bigint NOT NULL,
    ts             bigint NOT NULL,
    received_at    bigint NOT NULL,
    bet_id         text NOT NULL,
    user_id        text NOT NULL,
    fixture_id     text NOT NULL,
    market_type    text NOT NULL,
    selection      text NOT NULL,
    stake          double precision NOT NULL,
    odd_value      double precision,
    potential_win  double precision NOT NULL,
    timestamp      bigint NOT NULL,
    UNIQUE (source_id, bet_id)
);
CREATE INDEX bets_bet_id ON bets (bet_id);
CREATE INDEX bets_user_id ON bets (user_id);

CREATE TABLE rejects (
    id            bigserial PRIMARY KEY,
    source_id     text NOT NULL,
    seq           bigint,
    batch_index   integer,
    received_at   bigint NOT NULL,
    code          text NOT NULL,
    message       text NOT NULL,
    raw           bytea NOT NULL,
    raw_truncated boolean NOT NULL
);
CREATE INDEX rejects_received_at ON rejects (received_at);

CREATE TABLE gaps (
    id            bigserial PRIMARY KEY,
    source_id     text NOT NULL,
    connection    integer NOT NULL,
    expected_seq  bigint NOT NULL,
    received_seq  bigint NOT NULL,
    missing       bigint NOT NULL,
    compacted     boolean NOT NULL,
    detected_at   bigint NOT NULL
);

CREATE TABLE connection_events (
    id          bigserial PRIMARY KEY,
    source_id   text NOT NULL,
    connection  integer NOT NULL,
    state       text NOT NULL,
    reason      text NOT NULL,
    delay_ms    integer NOT NULL,
    last_seq    bigint NOT NULL,
    at          bigint NOT NULL
);

CREATE TABLE feed_errors (
    id          bigserial PRIMARY KEY,
    source_id   text NOT NULL,
    seq         bigint NOT NULL,
    ts          bigint NOT NULL,
    received_at bigint NOT NULL,
    code        text NOT NULL,
    message     text NOT NULL
);
