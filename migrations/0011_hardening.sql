-- Hardening (issue 16).

-- Sign-in limits: failures are also counted per account *and* address ('pair'), so the
-- account's limit slows the addresses that fail on it rather than its owner.
CREATE TABLE login_failures_new (
    id    INTEGER PRIMARY KEY,
    scope TEXT NOT NULL CHECK (scope IN ('account', 'address', 'pair')),
    key   TEXT NOT NULL,
    at    INTEGER NOT NULL
);
INSERT INTO login_failures_new (id, scope, key, at) SELECT id, scope, key, at FROM login_failures;
DROP TABLE login_failures;
ALTER TABLE login_failures_new RENAME TO login_failures;
CREATE INDEX login_failures_key ON login_failures (scope, key, at);

-- Addresses each account signed in from successfully, with the last time: the
-- account-wide limit does not hold them back (NIST SP 800-63B 5.2.2).
CREATE TABLE login_known (
    account TEXT NOT NULL,
    address TEXT NOT NULL,
    at      INTEGER NOT NULL,
    PRIMARY KEY (account, address)
) WITHOUT ROWID;

-- Refusals of signed-in callers, counted per actor, kind and 10-minute window: the audit
-- trail gets an entry when a kind starts in a window and when its count reaches 10, 100,
-- 1000 …, so a flood of probes is on record without filling the disk. Rows older than a
-- day are removed as new ones arrive.
CREATE TABLE refusal_counts (
    actor_id INTEGER NOT NULL,
    kind     TEXT NOT NULL,
    window   INTEGER NOT NULL,
    count    INTEGER NOT NULL,
    PRIMARY KEY (actor_id, kind, window)
) WITHOUT ROWID;
