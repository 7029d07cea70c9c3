//! Forgetting personal data when its time is up: a run's case data,
//! messages, addresses, step errors, log lines, evidence rows, settled
//! exceptions' details and sent mail's text, while every count that `stats`
//! and the ledger need stays. Keys are replaced by their keyed hash, so a
//! case seen again is still recognised.

use rusqlite::{Connection, params};

use crate::store::{Store, StoreError};

/// What a purge did (or, dry, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Purged {
    pub runs: usize,
    pub cases: usize,
    pub log_lines: usize,
    pub evidence_rows: usize,
    pub exceptions: usize,
    pub ledger_keys: usize,
    pub mails: usize,
    /// Runs whose evidence folders are to be removed with the rows.
    pub run_ids: Vec<i64>,
    /// Evidence files whose rows were removed.
    pub files: Vec<String>,
}

impl Purged {
    pub fn is_empty(&self) -> bool {
        self.runs == 0 && self.exceptions == 0 && self.ledger_keys == 0 && self.mails == 0
    }
}

/// Which rows to forget: a robot's runs started (and its settled data
/// changed) before `before`, or any row holding one of `texts`.
#[derive(Debug, Clone)]
pub enum Scope {
    Before { robot: String, before: String },
    Holding { texts: Vec<String> },
}

impl Store {
    /// Forgets what `scope` names, in one transaction; `hash` gives a key's
    /// stand-in for a robot. With `dry`, only counts.
    pub fn purge(
        &mut self,
        scope: &Scope,
        hash: &dyn Fn(&str, &str) -> String,
        dry: bool,
    ) -> Result<Purged, StoreError> {
        let tx = self.conn.transaction()?;
        let purged = purge_in(&tx, scope, hash)?;
        if dry {
            tx.rollback()?;
        } else {
            tx.commit()?;
        }
        Ok(purged)
    }

    /// After a purge: the WAL written back and emptied, and the file
    /// compacted when a quarter of it or more is free pages.
    pub fn compact(&self) -> Result<bool, StoreError> {
        self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        let free: i64 = self.conn.pragma_query_value(None, "freelist_count", |r| r.get(0))?;
        let pages: i64 = self.conn.pragma_query_value(None, "page_count", |r| r.get(0))?;
        let vacuum = free > 0 && free * 4 >= pages;
        if vacuum {
            self.conn.execute_batch("VACUUM")?;
            self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
        Ok(vacuum)
    }
}

/// A condition on a text column holding any of the texts (`?` placeholders
/// follow from `first`).
fn holding(columns: &[&str], count: usize, first: usize) -> String {
    let mut any = Vec::new();
    for column in columns {
        for i in 0..count {
            any.push(format!("instr(COALESCE({column}, ''), ?{}) > 0", first + i));
        }
    }
    format!("({})", any.join(" OR "))
}

fn purge_in(tx: &Connection, scope: &Scope, hash: &dyn Fn(&str, &str) -> String) -> Result<Purged, StoreError> {
    let (items_where, runs_where, exceptions_where, ledger_where, outbox_where, args): (
        String,
        String,
        String,
        String,
        String,
        Vec<String>,
    ) = match scope {
        Scope::Before { robot, before } => (
            "i.run_id IN (SELECT id FROM runs WHERE robot = ?1 AND started_at < ?2 AND status != 'running')".into(),
            "robot = ?1 AND started_at < ?2 AND status != 'running'".into(),
            "robot = ?1 AND state != 'open' AND COALESCE(done_at, settled_at, opened_at) < ?2".into(),
            "robot = ?1 AND state IN ('done', 'handled') AND updated_at < ?2".into(),
            "robot = ?1 AND sent_at IS NOT NULL AND created_at < ?2".into(),
            vec![robot.clone(), before.clone()],
        ),
        Scope::Holding { texts } => {
            let n = texts.len();
            (
                holding(&["i.key", "i.message", "i.error_url", "i.error_step"], n, 1),
                format!(
                    "{} OR id IN (SELECT run_id FROM items WHERE {})",
                    holding(&["error"], n, 1),
                    holding(&["key", "message", "error_url"], n, 1)
                ),
                holding(&["key", "message", "fields"], n, 1),
                holding(&["key"], n, 1),
                holding(&["subject", "body_text", "body_html"], n, 1),
                texts.clone(),
            )
        }
    };
    let p = rusqlite::params_from_iter(args.iter());
    let mut purged = Purged::default();
    // Runs: their errors, log lines, step errors and evidence rows.
    let run_ids: Vec<i64> = {
        let mut stmt = tx.prepare(&format!("SELECT id FROM runs WHERE {runs_where}"))?;
        stmt.query_map(p.clone(), |r| r.get(0))?.collect::<Result<_, _>>()?
    };
    // A personnummer's cases are forgotten in their runs, not the whole runs.
    let whole_runs = matches!(scope, Scope::Before { .. });
    purged.runs = run_ids.len();
    // Cases: their texts cleared and keys hashed.
    let cases: Vec<(i64, String, String)> = {
        let sql = format!(
            "SELECT i.id, r.robot, i.key FROM items i JOIN runs r ON r.id = i.run_id
             WHERE {items_where} AND (i.key NOT LIKE '#%' OR i.message IS NOT NULL OR i.error_url IS NOT NULL)"
        );
        let mut stmt = tx.prepare(&sql)?;
        stmt.query_map(p.clone(), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<_, _>>()?
    };
    purged.cases = cases.len();
    for (id, robot, key) in &cases {
        let key = if key.starts_with('#') { key.clone() } else { hash(robot, key) };
        tx.execute(
            "UPDATE items SET key = ?2, message = NULL, error_url = NULL, error_step = NULL, handler = NULL WHERE id = ?1",
            params![id, key],
        )?;
        tx.execute("UPDATE steps SET error = NULL WHERE item_id = ?1", [id])?;
        let mut stmt = tx.prepare("SELECT path FROM evidence WHERE item_id = ?1")?;
        let paths: Vec<String> = stmt.query_map([id], |r| r.get(0))?.collect::<Result<_, _>>()?;
        purged.files.extend(paths);
        purged.evidence_rows += tx.execute("DELETE FROM evidence WHERE item_id = ?1", [id])?;
        purged.log_lines += tx.execute("DELETE FROM logs WHERE item_id = ?1", [id])?;
    }
    if whole_runs {
        for id in &run_ids {
            tx.execute("UPDATE runs SET error = NULL WHERE id = ?1", [id])?;
            tx.execute("UPDATE steps SET error = NULL WHERE run_id = ?1", [id])?;
            purged.evidence_rows += tx.execute("DELETE FROM evidence WHERE run_id = ?1", [id])?;
            purged.log_lines += tx.execute("DELETE FROM logs WHERE run_id = ?1", [id])?;
        }
        purged.run_ids = run_ids;
    } else {
        let sql = format!("UPDATE runs SET error = NULL WHERE {}", holding(&["error"], args.len(), 1));
        tx.execute(&sql, p.clone())?;
        let sql = format!("DELETE FROM logs WHERE {}", holding(&["message"], args.len(), 1));
        purged.log_lines += tx.execute(&sql, p.clone())?;
        let sql = format!("UPDATE steps SET error = NULL WHERE {}", holding(&["error"], args.len(), 1));
        tx.execute(&sql, p.clone())?;
    }
    // Exceptions settled (or open ones holding the texts): details cleared, keys hashed.
    let exceptions: Vec<(i64, String, String)> = {
        let sql = format!(
            "SELECT id, robot, key FROM exceptions WHERE {exceptions_where} AND (key NOT LIKE '#%' OR message IS NOT NULL OR fields IS NOT NULL)"
        );
        let mut stmt = tx.prepare(&sql)?;
        stmt.query_map(p.clone(), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<_, _>>()?
    };
    purged.exceptions = exceptions.len();
    for (id, robot, key) in &exceptions {
        let key = if key.starts_with('#') { key.clone() } else { hash(robot, key) };
        tx.execute(
            "UPDATE exceptions SET key = ?2, message = NULL, fields = NULL, handler = NULL WHERE id = ?1",
            params![id, key],
        )?;
    }
    // The ledger keeps each finished case under its hash.
    let keys: Vec<(String, String)> = {
        let sql = format!("SELECT robot, key FROM ledger WHERE {ledger_where} AND key NOT LIKE '#%'");
        let mut stmt = tx.prepare(&sql)?;
        stmt.query_map(p.clone(), |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?
    };
    purged.ledger_keys = keys.len();
    for (robot, key) in &keys {
        tx.execute(
            "UPDATE OR REPLACE ledger SET key = ?3 WHERE robot = ?1 AND key = ?2",
            params![robot, key, hash(robot, key)],
        )?;
    }
    // Sent mail keeps its row (and its Message-ID), not its words.
    let sql = format!(
        "UPDATE outbox SET subject = '', body_text = '', body_html = '', recipients = '', attachments = '[]'
         WHERE {outbox_where} AND body_text != ''"
    );
    purged.mails = tx.execute(&sql, p)?;
    Ok(purged)
}
