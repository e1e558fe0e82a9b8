-- 0004: browser sessions, failed-login counters, and the audit trail made append-only
-- with a recorded head. See docs/security.md.

-- Browser sessions. Only the SHA-256 of the cookie's token is kept; times are Unix
-- seconds (idle and absolute limits are compared as numbers).
CREATE TABLE sessions (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash       BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,   -- sign-in time: the absolute limit counts from it
    seen_at    INTEGER NOT NULL,   -- last use (kept to the minute): the idle limit
    client     TEXT                -- client address at sign-in, for the user's own review
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed sign-ins, one row each, by account (the e-mail as typed, lower-cased) and by
-- client address. Rows older than the longest window are removed as new ones arrive.
CREATE TABLE login_failures (
    id    INTEGER PRIMARY KEY,
    scope TEXT NOT NULL CHECK (scope IN ('account', 'address')),
    key   TEXT NOT NULL,
    at    INTEGER NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (scope, key, at);

-- Disabling a user, or changing their password, role or organisation, ends their sessions at once
-- whichever code path does it; disabling also revokes their API tokens.
CREATE TRIGGER users_disable_revokes AFTER UPDATE OF disabled ON users
WHEN NEW.disabled <> 0
BEGIN
    DELETE FROM sessions WHERE user_id = NEW.id;
    DELETE FROM tokens WHERE user_id = NEW.id;
END;
CREATE TRIGGER users_change_ends_sessions AFTER UPDATE OF password_hash, role, organisation_id
ON users
WHEN NEW.password_hash IS NOT OLD.password_hash OR NEW.role IS NOT OLD.role
  OR NEW.organisation_id IS NOT OLD.organisation_id
BEGIN
    DELETE FROM sessions WHERE user_id = NEW.id;
END;

-- The audit trail is append-only: the server never updates or deletes an entry. (Someone
-- with the database file can drop these triggers; the hash chain and the head below are
-- what detect that.)
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

-- The head of the chain: how many entries were ever appended and the last one. The chain
-- alone cannot show that entries were cut off its end; a count that no longer matches can.
CREATE TABLE audit_head (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    entries   INTEGER NOT NULL,
    last_id   INTEGER NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, entries, last_id, last_hash)
SELECT 1, count(*), coalesce(max(id), 0),
       coalesce((SELECT hash FROM audit ORDER BY id DESC LIMIT 1),
                '0000000000000000000000000000000000000000000000000000000000000000')
FROM audit;
CREATE TRIGGER audit_head_advance AFTER INSERT ON audit
BEGIN
    UPDATE audit_head SET entries = entries + 1, last_id = NEW.id, last_hash = NEW.hash
    WHERE id = 1;
END;
CREATE TRIGGER audit_head_fixed BEFORE DELETE ON audit_head
BEGIN
    SELECT RAISE(ABORT, 'the audit head cannot be removed');
END;
