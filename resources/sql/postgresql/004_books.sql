-- Schema v4: order-book changes of exchange profiles (Betfair). One row per change to one
-- selection's book, in seq order: back, lay and traded hold the prices whose money changed, as
-- "price:size" pairs separated by spaces (size 0: none left at that price). An image row holds the
-- whole book: what it does not list is gone. Partitioned by received_at like odds; no index (as in
-- SQLite: it would slow the import several times, and rows are read in arrival order).
CREATE TABLE books (
    source_id     text COLLATE "C" NOT NULL,
    seq           bigint NOT NULL,
    ts            bigint NOT NULL,
    received_at   bigint NOT NULL,
    fixture_id    text COLLATE "C" NOT NULL,
    market_type   text COLLATE "C" NOT NULL,
    selection     text NOT NULL,
    timestamp     bigint NOT NULL,
    image         boolean NOT NULL,
    traded_total  double precision,
    back          text NOT NULL,
    lay           text NOT NULL,
    traded        text NOT NULL
) PARTITION BY RANGE (received_at);
CREATE TABLE books_default PARTITION OF books DEFAULT;
