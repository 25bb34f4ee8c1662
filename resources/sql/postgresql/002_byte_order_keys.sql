-- Schema v2: identifier columns compare as bytes (COLLATE "C"), as they do in SQLite. Their order
-- has no linguistic meaning, and under a locale collation (a cluster initialised with C.UTF-8 or
-- en_US.UTF-8) every index comparison went through strcoll on copied strings: measured on the
-- bench, COPY into odds went from 98,000 to 132,000 events/s with byte order. ALTER on a
-- partitioned table recurses into its partitions and rebuilds the indexes on these columns.
ALTER TABLE ingest_state ALTER COLUMN source_id TYPE text COLLATE "C";
ALTER TABLE fixtures
    ALTER COLUMN source_id TYPE text COLLATE "C",
    ALTER COLUMN fixture_id TYPE text COLLATE "C";
ALTER TABLE fixture_updates
    ALTER COLUMN source_id TYPE text COLLATE "C",
    ALTER COLUMN fixture_id TYPE text COLLATE "C";
ALTER TABLE odds
    ALTER COLUMN source_id TYPE text COLLATE "C",
    ALTER COLUMN fixture_id TYPE text COLLATE "C",
    ALTER COLUMN market_type TYPE text COLLATE "C",
    ALTER COLUMN selection TYPE text COLLATE "C";
ALTER TABLE bets
    ALTER COLUMN source_id TYPE text COLLATE "C",
    ALTER COLUMN bet_id TYPE text COLLATE "C",
    ALTER COLUMN user_id TYPE text COLLATE "C",
    ALTER COLUMN fixture_id TYPE text COLLATE "C",
    ALTER COLUMN market_type TYPE text COLLATE "C",
    ALTER COLUMN selection TYPE text COLLATE "C";
