-- Schema v4: order-book changes of exchange profiles (Betfair). One row per change to one
-- selection's book, in seq order: back, lay and traded hold the prices whose money changed, as
-- "price:size" pairs separated by spaces (size 0: none left at that price). An image row (image =
-- 1) holds the whole book: what it does not list is gone. Replaying a selection's rows in seq
-- order rebuilds its book at any moment.
-- No index: a Betfair file stores more book rows than lines, and an index on (fixture_id,
-- market_type, timestamp) cost more than the rest of the import together (docs/benchmarks.md).
-- Rows sit in arrival order, which is how they are read (export, replay of a book).
CREATE TABLE books (
    id            INTEGER PRIMARY KEY,
    source_id     TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    ts            INTEGER NOT NULL,
    received_at   INTEGER NOT NULL,
    fixture_id    TEXT NOT NULL,
    market_type   TEXT NOT NULL,
    selection     TEXT NOT NULL,
    timestamp     INTEGER NOT NULL,
    image         INTEGER NOT NULL,
    traded_total  REAL,
    back          TEXT NOT NULL,
    lay           TEXT NOT NULL,
    traded        TEXT NOT NULL
);
