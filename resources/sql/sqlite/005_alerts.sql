-- Schema v5: every alert a rule fired during a capture (docs/alerts.md). ts is the stream's time
-- of the alert (the event's server time; for stale and score rules, when the time ran out), seq the
-- event that raised it, received_at when that event arrived, rule_index the rule's place in its rules
-- file (two rules may share a name). An alert is stored once: a write retried after a commit whose
-- outcome was unknown (the connection dropped) brings the same alerts again, and the unique key
-- leaves them out.
CREATE TABLE alerts (
    id            INTEGER PRIMARY KEY,
    source_id     TEXT NOT NULL,
    fixture_id    TEXT NOT NULL,
    market_type   TEXT NOT NULL,
    selection     TEXT NOT NULL,
    rule          TEXT NOT NULL,
    rule_index    INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    ts            INTEGER NOT NULL,
    received_at   INTEGER NOT NULL,
    before_value  TEXT NOT NULL,
    after_value   TEXT NOT NULL
);
CREATE UNIQUE INDEX alerts_identity ON alerts (source_id, seq, rule_index, rule, fixture_id, market_type, selection);
CREATE INDEX alerts_ts ON alerts (ts);
