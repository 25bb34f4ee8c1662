-- Schema v3: what broker writers need (see the PostgreSQL migration); kept in step so that both
-- back ends share one schema version.
CREATE TABLE partition_state (
    partition_key TEXT PRIMARY KEY,
    last_seq      INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    message_ids   TEXT NOT NULL
);

CREATE TABLE stored_dead_letters (
    id         TEXT PRIMARY KEY,
    stored_at  INTEGER NOT NULL
);
