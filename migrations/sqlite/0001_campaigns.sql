-- Campaigns, their contacts and every attempt to call them, the do-not-call list, schedule runs
-- and the audit log. Times are Unix milliseconds (UTC); the SQL is kept to what PostgreSQL
-- also accepts, so its migrations can mirror these.

CREATE TABLE campaigns (
    name        TEXT PRIMARY KEY,
    spec        TEXT NOT NULL,
    state       TEXT NOT NULL,
    reason      TEXT,
    imported    BOOLEAN NOT NULL DEFAULT FALSE,
    owner       TEXT,
    lease_until BIGINT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE contacts (
    id           INTEGER PRIMARY KEY,
    campaign     TEXT NOT NULL REFERENCES campaigns(name) ON DELETE CASCADE,
    to_number    TEXT NOT NULL,
    name         TEXT,
    timezone     TEXT,
    vars         TEXT NOT NULL,
    line         BIGINT,
    status       TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      BIGINT NOT NULL,
    last_outcome TEXT,
    reason       TEXT,
    UNIQUE (campaign, to_number)
);
CREATE INDEX contacts_due ON contacts (campaign, status, next_at);

CREATE TABLE attempts (
    id           INTEGER PRIMARY KEY,
    campaign     TEXT,
    contact_id   BIGINT,
    to_number    TEXT NOT NULL,
    from_number  TEXT NOT NULL,
    journaled_at BIGINT NOT NULL,
    call_sid     TEXT UNIQUE,
    status       TEXT NOT NULL,
    outcome      TEXT,
    answered_by  TEXT,
    duration     BIGINT,
    price        DOUBLE PRECISION,
    error_code   BIGINT,
    error        TEXT,
    finished_at  BIGINT
);
CREATE INDEX attempts_open ON attempts (status);
CREATE INDEX attempts_number ON attempts (to_number, journaled_at);
CREATE INDEX attempts_campaign ON attempts (campaign);

CREATE TABLE dnc (
    number   TEXT PRIMARY KEY,
    source   TEXT NOT NULL,
    added_at BIGINT NOT NULL
);

CREATE TABLE schedule_runs (
    schedule TEXT NOT NULL,
    due_at   BIGINT NOT NULL,
    fired_at BIGINT NOT NULL,
    PRIMARY KEY (schedule, due_at)
);

CREATE TABLE audit (
    id        INTEGER PRIMARY KEY,
    at        BIGINT NOT NULL,
    campaign  TEXT,
    to_number TEXT NOT NULL,
    action    TEXT NOT NULL,
    reason    TEXT NOT NULL,
    call_sid  TEXT
);
CREATE INDEX audit_campaign ON audit (campaign, id);
