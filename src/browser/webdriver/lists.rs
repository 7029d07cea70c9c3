//! Tables and lists: an HTML table read at once, an ARIA grid, and a list
//! that draws only the rows in view, walked in the page (`js/list.js`).

// More of the session's commands, beside `actions.rs`: the parent's
// imports, helpers and scripts as its own.
use super::*;

impl WebDriverBrowser {
    /// An HTML table at once, or an ARIA grid (walked to its end with `scroll`).
    pub(super) async fn table(
        &mut self,
        target: &Selector,
        scroll: bool,
        timeout: Duration,
    ) -> Result<Table, BrowserError> {
        let start = Instant::now();
        // An HTML table is read at once; an ARIA grid (or any list to be
        // walked) by the grid reader, once the element is there.
        let table = if scroll {
            Json::Null
        } else {
            match self.poll_script(&script(READ_TABLE), vec![selector_json(target)], timeout).await? {
                Some(value) => value,
                None => return Err(self.missing(&[target], timeout).await),
            }
        };
        let value = if scroll || table["grid"] == Json::Bool(true) {
            self.element(target, timeout).await?;
            let budget = timeout.saturating_sub(start.elapsed()).as_millis() as u64;
            let args = vec![selector_json(target), json!(scroll), json!(budget)];
            let answer = self.run_script(&script(&format!("{LIST}{READ_GRID}")), &args, timeout + SCRIPT_GRACE).await?;
            serde_json::from_str(&answer).unwrap_or(Json::Null)
        } else {
            table
        };
        if value.is_null() {
            return Err(self.missing(&[target], timeout).await);
        }
        if let Some(message) = value.get("error").and_then(Json::as_str) {
            return Err(PageError::Script(message.to_string()).into());
        }
        if value["end"] == Json::Bool(false) {
            let waited_for = format!("the end of the list {target}");
            return Err(BrowserError::Timeout { waited_for, after: timeout });
        }
        let strings = |v: &Json| -> Vec<String> {
            v.as_array()
                .map(|a| a.iter().map(|c| c.as_str().unwrap_or_default().to_string()).collect())
                .unwrap_or_default()
        };
        let rows = value["rows"].as_array().map(|rows| rows.iter().map(strings).collect()).unwrap_or_default();
        Ok(Table::from_cells(strings(&value["names"]), rows))
    }

    /// Walks `list` until `until` is rendered or the list ends.
    pub(super) async fn scroll_list(
        &mut self,
        list: &Selector,
        until: &Selector,
        timeout: Duration,
    ) -> Result<Scrolled, BrowserError> {
        let start = Instant::now();
        self.element(list, timeout).await?;
        let budget = timeout.saturating_sub(start.elapsed()).as_millis() as u64;
        let args = vec![selector_json(list), selector_json(until), json!(budget)];
        let answer = self.run_script(&script(&format!("{LIST}{SCROLL}")), &args, timeout + SCRIPT_GRACE).await?;
        let value: Json = serde_json::from_str(&answer).unwrap_or(Json::Null);
        if value.is_null() {
            return Err(self.missing(&[list], timeout).await);
        }
        Ok(Scrolled {
            found: value["found"].as_bool().unwrap_or(false),
            views: value["views"].as_u64().unwrap_or(0) as u32,
            end: value["end"].as_bool().unwrap_or(false),
        })
    }
}
