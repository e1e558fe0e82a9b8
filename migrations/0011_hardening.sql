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

-- API tokens (issue 16): an expiry and the last use. Tokens made before expire after
-- the default period from now instead of never.
ALTER TABLE tokens ADD COLUMN expires_at TEXT;
ALTER TABLE tokens ADD COLUMN last_used_at TEXT;
UPDATE tokens SET expires_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '+90 days')
WHERE expires_at IS NULL;

-- How long a new token lives unless its maker asks for less, and the most it may ask
-- for, in days. Set by an administrator (civdesk token policy).
CREATE TABLE token_policy (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    default_days INTEGER NOT NULL,
    max_days     INTEGER NOT NULL,
    CHECK (default_days >= 1 AND default_days <= max_days AND max_days <= 3650)
);
INSERT INTO token_policy (id, default_days, max_days) VALUES (1, 90, 365);

-- A token follows its user's authority: a new role, organisation or password revokes it
-- (whichever code path makes the change), as it ends their sessions.
CREATE TRIGGER users_change_revokes_tokens AFTER UPDATE OF password_hash, role, organisation_id
ON users
WHEN NEW.password_hash IS NOT OLD.password_hash OR NEW.role IS NOT OLD.role
  OR NEW.organisation_id IS NOT OLD.organisation_id
BEGIN
    DELETE FROM tokens WHERE user_id = NEW.id;
END;
