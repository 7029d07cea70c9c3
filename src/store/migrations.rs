//! The run log's schema, one migration per version. Migrations are only ever
//! added, never edited: a database at version N runs N+1.. on open.

/// Each entry moves the schema from version `index` to `index + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: runs, their items, steps, evidence files and log messages.
    "
    CREATE TABLE runs (
        id             INTEGER PRIMARY KEY,
        robot          TEXT NOT NULL,
        robot_file     TEXT NOT NULL,
        trigger        TEXT NOT NULL,
        status         TEXT NOT NULL,
        started_at     TEXT NOT NULL,
        finished_at    TEXT,
        duration_ms    INTEGER,
        items_total    INTEGER,
        manual_minutes REAL NOT NULL DEFAULT 0,
        error          TEXT,
        pid            INTEGER NOT NULL
    );
    CREATE INDEX runs_by_robot ON runs (robot, started_at);
    CREATE INDEX runs_by_status ON runs (status);
    CREATE TABLE items (
        id          INTEGER PRIMARY KEY,
        run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        seq         INTEGER NOT NULL,
        key         TEXT NOT NULL,
        status      TEXT NOT NULL,
        started_at  TEXT NOT NULL,
        finished_at TEXT,
        duration_ms INTEGER,
        message     TEXT,
        UNIQUE (run_id, seq)
    );
    CREATE TABLE steps (
        id          INTEGER PRIMARY KEY,
        run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        item_id     INTEGER REFERENCES items (id) ON DELETE CASCADE,
        block       TEXT NOT NULL,
        idx         INTEGER NOT NULL,
        keyword     TEXT NOT NULL,
        summary     TEXT NOT NULL,
        line        INTEGER NOT NULL,
        started_at  TEXT NOT NULL,
        duration_ms REAL NOT NULL,
        outcome     TEXT NOT NULL,
        error       TEXT
    );
    CREATE INDEX steps_by_run ON steps (run_id);
    CREATE TABLE evidence (
        id         INTEGER PRIMARY KEY,
        run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        item_id    INTEGER REFERENCES items (id) ON DELETE CASCADE,
        kind       TEXT NOT NULL,
        path       TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX evidence_by_run ON evidence (run_id);
    CREATE TABLE logs (
        id      INTEGER PRIMARY KEY,
        run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        item_id INTEGER REFERENCES items (id) ON DELETE CASCADE,
        at      TEXT NOT NULL,
        message TEXT NOT NULL
    );
    ",
    // 2: the ledger of cases per robot, attempts and saved minutes per case.
    "
    CREATE TABLE ledger (
        robot      TEXT NOT NULL,
        key        TEXT NOT NULL,
        state      TEXT NOT NULL,
        run_id     INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (robot, key)
    ) WITHOUT ROWID;
    ALTER TABLE items ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE items ADD COLUMN saved_minutes REAL NOT NULL DEFAULT 0;
    CREATE INDEX items_by_run ON items (run_id, status);
    CREATE INDEX runs_by_start ON runs (started_at);
    ",
    // 3: scheduled runs (one per job and slot) and alerts for operations.
    "
    ALTER TABLE runs ADD COLUMN job TEXT;
    ALTER TABLE runs ADD COLUMN scheduled_for TEXT;
    CREATE UNIQUE INDEX runs_by_slot ON runs (job, scheduled_for) WHERE scheduled_for IS NOT NULL;
    CREATE TABLE alerts (
        id          INTEGER PRIMARY KEY,
        job         TEXT NOT NULL,
        robot       TEXT NOT NULL,
        kind        TEXT NOT NULL,
        message     TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        resolved_at TEXT
    );
    CREATE INDEX alerts_open ON alerts (job, kind) WHERE resolved_at IS NULL;
    ",
    // 4: the mail outbox, and each case's responsible officer.
    "
    ALTER TABLE items ADD COLUMN handler TEXT;
    CREATE TABLE outbox (
        id              INTEGER PRIMARY KEY,
        message_id      TEXT NOT NULL UNIQUE,
        run_id          INTEGER,
        robot           TEXT NOT NULL,
        kind            TEXT NOT NULL,
        recipients      TEXT NOT NULL,
        subject         TEXT NOT NULL,
        body_text       TEXT NOT NULL,
        body_html       TEXT NOT NULL,
        attachments     TEXT NOT NULL,
        created_at      TEXT NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        sent_at         TEXT,
        last_error      TEXT
    );
    CREATE INDEX outbox_unsent ON outbox (next_attempt_at) WHERE sent_at IS NULL;
    ",
    // 5: where a case failed, and each robot's cursor for `http` sources.
    "
    ALTER TABLE items ADD COLUMN error_url TEXT;
    ALTER TABLE items ADD COLUMN error_step TEXT;
    CREATE TABLE cursors (
        robot      TEXT PRIMARY KEY,
        value      TEXT NOT NULL,
        run_id     INTEGER NOT NULL,
        updated_at TEXT NOT NULL
    );
    ",
    // 6: each run keeps its case counts, so `stats` reads runs, not every case.
    "
    ALTER TABLE runs ADD COLUMN done_count INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE runs ADD COLUMN business_count INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE runs ADD COLUMN system_count INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE runs ADD COLUMN saved_minutes REAL NOT NULL DEFAULT 0;
    UPDATE runs SET
        done_count = (SELECT COUNT(*) FROM items WHERE run_id = runs.id AND status = 'done'),
        business_count = (SELECT COUNT(*) FROM items WHERE run_id = runs.id AND status = 'business_exception'),
        system_count = (SELECT COUNT(*) FROM items WHERE run_id = runs.id AND status = 'system_exception'),
        saved_minutes = (SELECT COALESCE(SUM(saved_minutes), 0) FROM items WHERE run_id = runs.id);
    ",
    // 7: a business exception is open until its officer settles it; locator
    // fallbacks are counted. Cases whose earlier business exceptions left
    // no ledger entry are tried once more and held from then on.
    "
    ALTER TABLE ledger ADD COLUMN fingerprint INTEGER;
    CREATE TABLE exceptions (
        id           INTEGER PRIMARY KEY,
        robot        TEXT NOT NULL,
        key          TEXT NOT NULL,
        run_id       INTEGER NOT NULL,
        item_id      INTEGER,
        message      TEXT,
        handler      TEXT,
        fields       TEXT,
        opened_at    TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        last_run_id  INTEGER NOT NULL,
        state        TEXT NOT NULL,
        settled_at   TEXT,
        settled_by   TEXT,
        done_at      TEXT,
        reminded_at  TEXT
    );
    CREATE UNIQUE INDEX exceptions_one_open ON exceptions (robot, key) WHERE state = 'open';
    CREATE INDEX exceptions_by_robot ON exceptions (robot, opened_at);
    CREATE TABLE fallbacks (
        id      INTEGER PRIMARY KEY,
        run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        item_id INTEGER REFERENCES items (id) ON DELETE CASCADE,
        robot   TEXT NOT NULL,
        line    INTEGER NOT NULL,
        wanted  TEXT NOT NULL,
        used    TEXT NOT NULL,
        at      TEXT NOT NULL
    );
    CREATE INDEX fallbacks_by_run ON fallbacks (run_id);
    CREATE INDEX fallbacks_by_robot ON fallbacks (robot, at);
    ALTER TABLE runs ADD COLUMN awaiting_count INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX ledger_failing ON ledger (updated_at) WHERE state IN ('failed', 'needs_review', 'in_progress');
    ",
    // 6: workers: how many shared a run's cases, and which took each case.
    "
    ALTER TABLE runs ADD COLUMN workers INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE items ADD COLUMN worker INTEGER NOT NULL DEFAULT 1;
    ",
    // 7: facts about the state folder, such as which `console.key` the
    // ledger's purged keys were hashed with.
    "
    CREATE TABLE meta (
        name  TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;
    ",
    // 11: a failed run stays on the console's front page until a person
    // marks it seen (or a later run of its job succeeds).
    "
    ALTER TABLE runs ADD COLUMN seen_at TEXT;
    ALTER TABLE runs ADD COLUMN seen_by TEXT;
    ",
    // 12: the audit log: who settled, ran or saw what, and the note an
    // officer may leave when settling a case.
    "
    CREATE TABLE audit (
        id     INTEGER PRIMARY KEY,
        at     TEXT NOT NULL,
        who    TEXT NOT NULL,
        via    TEXT NOT NULL,
        action TEXT NOT NULL,
        robot  TEXT,
        key    TEXT,
        run_id INTEGER,
        note   TEXT
    );
    CREATE INDEX audit_by_case ON audit (robot, key);
    CREATE INDEX audit_by_time ON audit (at);
    ALTER TABLE exceptions ADD COLUMN note TEXT;
    ",
    // 13: jobs paused from the console: the daemon records their slots as
    // skipped until they are resumed (the schedule files stay as written).
    "
    CREATE TABLE paused (
        job        TEXT PRIMARY KEY,
        at         TEXT NOT NULL,
        by         TEXT NOT NULL,
        resumed_at TEXT
    ) WITHOUT ROWID;
    ",
    // 14: the console's search finds a case by its key across robots.
    "
    CREATE INDEX items_by_key ON items (key);
    CREATE INDEX exceptions_by_key ON exceptions (key);
    ",
];
