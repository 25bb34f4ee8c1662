-- Schema v3: what broker writers need. Writers store a source's partitions in parallel, each
-- partition in order: how far each (source, partition) is stored, so that a redelivered message
-- is recognised; and the requeued dead letters stored once already.
CREATE TABLE partition_state (
    partition_key text COLLATE "C" PRIMARY KEY,
    last_seq      bigint NOT NULL,
    updated_at    bigint NOT NULL,
    message_ids   text NOT NULL  -- the messages stored at last_seq, space-separated
);

CREATE TABLE stored_dead_letters (
    id         text COLLATE "C" PRIMARY KEY,
    stored_at  bigint NOT NULL
);
