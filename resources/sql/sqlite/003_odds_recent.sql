-- Schema v3: odds land in two tables, and `odds` is a view over both.
--
-- A steady feed commits small transactions, and each odds row lands on the hot leaf page of its
-- own (fixture, market) in the odds index: every row dirtied a different page, which the WAL
-- took whole and the checkpoint copied again (about 45-70 times the data received). Small
-- transactions now append their odds to `odds_recent`, which has no index (one or two pages per
-- commit); once it holds enough rows, they move into `odds_indexed` in index order in one go,
-- when each hot page takes many rows at once. Large transactions (a backlog) go straight to
-- `odds_indexed`. A row is in exactly one of the two at any moment, and the view shows both.
--
-- `id` orders rows in storage and is unique across the view (rows in odds_recent get ids above
-- every id in odds_indexed), but it is not a stable identifier: a row gets a new id when it moves.
-- Rows are identified by (source_id, seq).
ALTER TABLE odds RENAME TO odds_indexed;

CREATE TABLE odds_recent (
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

CREATE VIEW odds AS
    SELECT id, source_id, seq, ts, received_at, fixture_id, market_type, selection, odd_value, timestamp, status
    FROM odds_indexed
    UNION ALL
    SELECT id, source_id, seq, ts, received_at, fixture_id, market_type, selection, odd_value, timestamp, status
    FROM odds_recent;

-- Other tools (the sqlite3 shell, an analyst's script) can still change `odds` as a table.
CREATE TRIGGER odds_insert INSTEAD OF INSERT ON odds
BEGIN
    INSERT INTO odds_indexed (id, source_id, seq, ts, received_at, fixture_id, market_type, selection, odd_value,
                              timestamp, status)
    VALUES (NEW.id, NEW.source_id, NEW.seq, NEW.ts, NEW.received_at, NEW.fixture_id, NEW.market_type,
            NEW.selection, NEW.odd_value, NEW.timestamp, NEW.status);
END;

CREATE TRIGGER odds_update INSTEAD OF UPDATE ON odds
BEGIN
    UPDATE odds_indexed SET source_id = NEW.source_id, seq = NEW.seq, ts = NEW.ts, received_at = NEW.received_at,
        fixture_id = NEW.fixture_id, market_type = NEW.market_type, selection = NEW.selection,
        odd_value = NEW.odd_value, timestamp = NEW.timestamp, status = NEW.status
    WHERE id = OLD.id;
    UPDATE odds_recent SET source_id = NEW.source_id, seq = NEW.seq, ts = NEW.ts, received_at = NEW.received_at,
        fixture_id = NEW.fixture_id, market_type = NEW.market_type, selection = NEW.selection,
        odd_value = NEW.odd_value, timestamp = NEW.timestamp, status = NEW.status
    WHERE id = OLD.id;
END;

CREATE TRIGGER odds_delete INSTEAD OF DELETE ON odds
BEGIN
    DELETE FROM odds_indexed WHERE id = OLD.id;
    DELETE FROM odds_recent WHERE id = OLD.id;
END;
