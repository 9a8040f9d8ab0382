-- Usage: one row per call that ended, whoever placed it (campaigns, scripts, Python), so
-- calls, minutes and cost can be counted per campaign, agent and day.
CREATE TABLE calls (
    sid         TEXT PRIMARY KEY,
    campaign    TEXT,
    agent       TEXT,
    to_number   TEXT NOT NULL,
    from_number TEXT NOT NULL,
    status      TEXT NOT NULL,
    duration    BIGINT NOT NULL,
    -- Twilio's price (negative: a charge); NULL until Twilio has rated the call.
    price       DOUBLE PRECISION,
    ended_at    BIGINT NOT NULL,
    -- The UTC day the call ended, YYYY-MM-DD.
    day         TEXT NOT NULL
);
CREATE INDEX calls_day ON calls (day);
CREATE INDEX calls_campaign_day ON calls (campaign, day);
