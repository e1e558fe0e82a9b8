-- Reminders and notifications (docs/notifications.md).
--
-- notifications: what a user sees in the app, one row per user and idempotency key
--   (UNIQUE (user_id, key)): a reminder pass run twice, or restarted half-way, finds the
--   row and creates nothing. mail says what becomes of it by e-mail, from the user's
--   preferences when it was created; outbox_id is the message that carried it (its own,
--   or the day's digest), NULL while it waits for a digest or is not mailed.
-- outbox: every e-mail, written in the transaction that caused it, rendered in the
--   recipient's language; the sender delivers queued rows, retries with backoff and gives
--   up after a limit (state failed, last_error for administrators). key is unique too.
-- notification_prefs: per user: language, per-kind delivery, the calendar feed's secret.
CREATE TABLE notifications (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (id),
    kind            TEXT NOT NULL,
    key             TEXT NOT NULL,
    organisation_id INTEGER REFERENCES organisations (id),
    resource        TEXT,
    record_id       INTEGER,
    due_on          TEXT,
    days            INTEGER,
    title           TEXT NOT NULL,
    detail          TEXT,
    mail            TEXT NOT NULL CHECK (mail IN ('immediate', 'digest', 'off')),
    outbox_id       INTEGER REFERENCES outbox (id),
    created_at      TEXT NOT NULL,
    read_at         TEXT,
    UNIQUE (user_id, key)
);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_digest ON notifications (user_id) WHERE mail = 'digest' AND outbox_id IS NULL;

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (id),
    key             TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    lang            TEXT NOT NULL CHECK (lang IN ('ru', 'en')),
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'queued'
                    CHECK (state IN ('queued', 'sent', 'failed', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT
);
CREATE INDEX outbox_queued ON outbox (next_attempt_at) WHERE state = 'queued';

CREATE TABLE notification_prefs (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id),
    lang       TEXT NOT NULL DEFAULT 'ru' CHECK (lang IN ('ru', 'en')),
    kinds      TEXT NOT NULL DEFAULT '{}',
    ics_hash   BLOB UNIQUE,
    updated_at TEXT NOT NULL
);
