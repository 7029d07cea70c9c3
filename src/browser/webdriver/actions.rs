//! The `Browser` trait for a WebDriver session: each kind of step as the
//! commands it sends. The session, its start and its helpers are in `mod.rs`.

// One type's trait impl, beside the type in the parent module: it uses the
// parent's imports, helpers and scripts as its own.
use super::*;

impl Browser for WebDriverBrowser {
    async fn goto(&mut self, url: &str) -> Result<Option<u16>, BrowserError> {
        // A page that opens a dialog while it loads has loaded: the dialog is
        // the page's, left for a `dialog` step (as Selenium's `get` does).
        match self.navigate(url).await {
            Err(CmdError::Standard(w)) if w.error() == "unexpected alert open" => return Ok(None),
            navigated => navigated,
        }
        .map_err(|e| match &e {
            e if e.is_timeout() => PageError::LoadTimedOut.into(),
            e if e.to_string().contains("net::ERR_") => {
                let reason = e
                    .to_string()
                    .split("net::")
                    .nth(1)
                    .unwrap_or_default()
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string();
                BrowserError::NotLoaded { url: url.to_string(), reason }
            }
            _ => error(e),
        })?;
        // Chromium shows its own error page, at an address of its own, for a
        // page it would not or could not load, and tells WebDriver nothing.
        let loaded = match self.client().execute(NAVIGATION, Vec::new()).await {
            Err(CmdError::Standard(w)) if w.error() == "unexpected alert open" => return Ok(None),
            asked => asked.map_err(error)?,
        };
        if loaded["error_page"].as_bool() == Some(true) {
            let reason =
                loaded["code"].as_str().filter(|c| !c.is_empty()).unwrap_or("the browser showed its error page");
            return Err(BrowserError::NotLoaded { url: url.to_string(), reason: reason.to_string() });
        }
        Ok(loaded["status"].as_u64().and_then(|s| u16::try_from(s).ok()).filter(|s| *s > 0))
    }

    async fn click_only(&mut self, target: &Selector, timeout: Duration) -> Result<(), BrowserError> {
        self.with_element(target, timeout, |e| async move { e.click().await }).await
    }

    async fn click(&mut self, target: &Selector, timeout: Duration) -> Result<(), BrowserError> {
        // Finding it actionable marks the document for `settle_navigation`.
        self.act(target, timeout, |e| async move { e.click().await }).await?;
        self.settle_navigation(true).await
    }

    async fn fill(
        &mut self,
        fields: &[(Selector, String)],
        submit: Option<&Selector>,
        timeout: Duration,
    ) -> Result<(), BrowserError> {
        let arg: Vec<Json> = fields.iter().map(|(s, v)| json!({ "sel": selector_json(s), "value": v })).collect();
        let submit = submit.map(selector_json).unwrap_or(Json::Null);
        match self.poll_script(&script(FILL), vec![Json::Array(arg), submit], timeout).await? {
            None => {
                let wanted: Vec<&Selector> = fields.iter().map(|(s, _)| s).collect();
                Err(self.missing(&wanted, timeout).await)
            }
            Some(Json::Object(o)) if o.get("handled").and_then(Json::as_bool) == Some(true) => {
                let known = o.get("top").and_then(Json::as_bool) == Some(true) && !self.windows_used;
                self.known_reset.store(known, std::sync::atomic::Ordering::Relaxed);
                Ok(())
            }
            Some(Json::Object(o)) if o.get("submitted").and_then(Json::as_bool) == Some(true) => {
                self.settle_navigation(false).await
            }
            Some(Json::Object(o)) if o.contains_key("error") => {
                Err(PageError::Script(o["error"].as_str().unwrap_or_default().to_string()).into())
            }
            Some(Json::Object(o)) if o.contains_key("not_editable") => {
                let index = o["not_editable"].as_u64().unwrap_or(0) as usize;
                let target = fields.get(index).map(|(s, _)| s.to_string()).unwrap_or_default();
                Err(BrowserError::NotEditable { target, state: o["state"].as_str().unwrap_or("disabled").to_string() })
            }
            Some(_) => Ok(()),
        }
    }

    async fn type_text(
        &mut self,
        target: &Selector,
        text: &str,
        clear: bool,
        timeout: Duration,
    ) -> Result<(), BrowserError> {
        let text = expand_key_escapes(text);
        self.with_element(target, timeout, move |e| {
            let text = text.clone();
            async move {
                if clear {
                    e.clear().await?;
                }
                e.send_keys(&text).await
            }
        })
        .await
    }

    async fn select(
        &mut self,
        target: &Selector,
        choices: &[SelectBy],
        selected: bool,
        timeout: Duration,
    ) -> Result<(), BrowserError> {
        let wanted: Vec<Json> = choices
            .iter()
            .map(|c| match c {
                SelectBy::Label(l) => json!({ "label": l }),
                SelectBy::Value(v) => json!({ "value": v }),
            })
            .collect();
        let args = vec![selector_json(target), Json::Array(wanted), json!(selected)];
        let Some(answer) = self.poll_script(&script(SELECT), args, timeout).await? else {
            return Err(self.missing(&[target], timeout).await);
        };
        match answer["error"].as_str() {
            Some("disabled") => Err(BrowserError::NotEditable { target: target.to_string(), state: "disabled".into() }),
            Some(message) => Err(PageError::Element {
                target: target.to_string(),
                problem: Box::new(PageError::Script(message.to_string())),
            }
            .into()),
            None => Ok(()),
        }
    }

    async fn probe(&mut self, probes: &[Probe]) -> Result<Vec<Probed>, BrowserError> {
        let arg: Vec<Json> = probes
            .iter()
            .map(|p| match p {
                Probe::Element(s) => json!({ "sel": selector_json(s) }),
                Probe::PageText => json!({ "page": true }),
                Probe::Url => json!({ "url": true }),
                Probe::Seen => json!({ "seen": true }),
            })
            .collect();
        let answer = self.client().execute(&script(PROBE), vec![Json::Array(arg)]).await.map_err(error)?;
        let answers = answer.as_array().cloned().unwrap_or_default();
        if answers.len() != probes.len() {
            return Err(PageError::ShortAnswer { answered: answers.len(), asked: probes.len() }.into());
        }
        let flag = |a: &Json, key: &str| a[key].as_bool().unwrap_or(false);
        let text = |a: &Json, key: &str| a[key].as_str().unwrap_or_default().to_string();
        Ok(answers
            .iter()
            .map(|a| Probed {
                found: flag(a, "found"),
                visible: flag(a, "visible"),
                enabled: flag(a, "enabled"),
                checked: flag(a, "checked"),
                text: text(a, "text"),
                value: text(a, "value"),
            })
            .collect())
    }

    async fn choose(
        &mut self,
        target: &Selector,
        wanted: &Choosing<'_>,
        timeout: Duration,
    ) -> Result<(), BrowserError> {
        let deadline = Instant::now() + timeout;
        // All but the last character at once (typing costs about 7 ms a
        // key), then the last as a key.
        let mut head: Vec<char> = wanted.value.chars().collect();
        let last = head.pop().map(String::from).unwrap_or_default();
        let head: String = head.into_iter().collect();
        // The field is waited for once; a missing one fails here, naming it.
        let pasted = !head.is_empty() && {
            self.element(target, timeout).await?;
            let args = vec![selector_json(target), json!(head)];
            self.client().execute(&script(PASTE), args).await.map_err(error)? == Json::Bool(true)
        };
        if pasted {
            self.type_text(target, &last, false, timeout).await?;
        } else {
            self.type_text(target, wanted.value, true, timeout).await?;
        }
        let options = wanted.options.map(selector_json).unwrap_or(Json::Null);
        let args = vec![selector_json(target), json!(wanted.value), json!(wanted.contains), options];
        // Options that have not changed for `OPTIONS_SETTLE` are the system's
        // answer; until then a server-backed list may still be catching up.
        let mut seen: Option<(Vec<String>, Instant)> = None;
        loop {
            let answer = self.client().execute(&script(OPTIONS), args.clone()).await.map_err(error)?;
            if answer["chosen"].as_bool() == Some(true) {
                return Ok(());
            }
            let offered: Option<Vec<String>> = answer["offered"]
                .as_array()
                .map(|list| list.iter().filter_map(Json::as_str).map(String::from).collect());
            let settled = match (offered, seen.take()) {
                (Some(now), Some((before, since))) if now == before => {
                    let settled = since.elapsed() >= OPTIONS_SETTLE;
                    seen = Some((now, since));
                    settled
                }
                (now, _) => {
                    seen = now.map(|now| (now, Instant::now()));
                    false
                }
            };
            if settled || Instant::now() >= deadline {
                return Err(match seen {
                    Some((offered, _)) => {
                        BrowserError::NoSuchOption { target: target.to_string(), value: wanted.value.into(), offered }
                    }
                    None => BrowserError::Timeout { waited_for: format!("the options of {target}"), after: timeout },
                });
            }
            tokio::time::sleep(QUICK_POLL).await;
        }
    }

    async fn read_text(&mut self, target: &Selector, timeout: Duration) -> Result<String, BrowserError> {
        match self.poll_script(&script(READ_TEXT), vec![selector_json(target)], timeout).await? {
            Some(Json::String(s)) => Ok(s),
            Some(other) => Ok(other.to_string()),
            None => Err(self.missing(&[target], timeout).await),
        }
    }

    async fn read_table(&mut self, target: &Selector, scroll: bool, timeout: Duration) -> Result<Table, BrowserError> {
        self.table(target, scroll, timeout).await
    }

    async fn scroll_until(
        &mut self,
        list: &Selector,
        until: &Selector,
        timeout: Duration,
    ) -> Result<Scrolled, BrowserError> {
        self.scroll_list(list, until, timeout).await
    }

    async fn exists(&mut self, target: &Selector) -> Result<bool, BrowserError> {
        let value = self.client().execute(&script(EXISTS), vec![selector_json(target)]).await.map_err(error)?;
        Ok(value.as_bool().unwrap_or(false))
    }

    async fn screenshot(&mut self) -> Result<Vec<u8>, BrowserError> {
        self.client().screenshot().await.map_err(error)
    }

    async fn page_source(&mut self) -> Result<String, BrowserError> {
        self.client().source().await.map_err(error)
    }

    async fn current_url(&mut self) -> Result<String, BrowserError> {
        self.client().current_url().await.map(|u| u.to_string()).map_err(error)
    }

    async fn restart(&mut self) -> Result<(), BrowserError> {
        // The old browser goes first: a restart never holds two browsers
        // (the daemon's `--max-browsers` counts them).
        if self.driver.is_none() {
            let client = self.client.clone();
            let _ = tokio::time::timeout(REMOTE_RESTART_CLOSE_LIMIT, client.close()).await;
        }
        self.shutdown();
        *self = Self::start(&self.options).await.map_err(|e| BrowserError::SessionLost(e.to_string()))?;
        Ok(())
    }

    async fn first_match(&mut self, candidates: &[Selector], timeout: Duration) -> Result<usize, BrowserError> {
        let list = Json::Array(candidates.iter().map(selector_json).collect());
        match self.poll_script(&script(FIRST_MATCH), vec![list], timeout).await? {
            Some(index) => Ok(index.as_u64().unwrap_or(0) as usize),
            None => Err(self.missing(&candidates.iter().collect::<Vec<_>>(), timeout).await),
        }
    }

    async fn set_checked(&mut self, target: &Selector, checked: bool, timeout: Duration) -> Result<(), BrowserError> {
        let Some(now) = self.poll_script(&script(IS_CHECKED), vec![selector_json(target)], timeout).await? else {
            return Err(self.missing(&[target], timeout).await);
        };
        if now["disabled"].as_bool() == Some(true) {
            return Err(BrowserError::NotEditable { target: target.to_string(), state: "disabled".into() });
        }
        if now["checked"].as_bool() == Some(checked) {
            return Ok(());
        }
        self.click(target, timeout).await
    }

    async fn press(
        &mut self,
        target: Option<&Selector>,
        keys: &[String],
        timeout: Duration,
    ) -> Result<(), BrowserError> {
        let text: String = keys.iter().map(|k| key_text(k)).collect::<Result<_, _>>()?;
        self.watch_navigation().await?;
        let pressed = match target {
            Some(target) => {
                self.with_element(target, timeout, move |e| {
                    let text = text.clone();
                    async move { e.send_keys(&text).await }
                })
                .await
            }
            None => {
                let element = self.client().active_element().await.map_err(error)?;
                element.send_keys(&text).await.map_err(error)
            }
        };
        pressed?;
        self.settle_navigation(true).await
    }

    async fn read_attribute(
        &mut self,
        target: &Selector,
        name: &str,
        property: bool,
        timeout: Duration,
    ) -> Result<String, BrowserError> {
        let args = vec![selector_json(target), json!(name), json!(property)];
        match self.poll_script(&script(ATTRIBUTE), args, timeout).await? {
            Some(Json::String(s)) => Ok(s),
            Some(other) => Ok(other.to_string()),
            None => Err(self.missing(&[target], timeout).await),
        }
    }

    async fn frame(&mut self, target: &FrameSwitch, timeout: Duration) -> Result<(), BrowserError> {
        match target {
            FrameSwitch::Element(target) => {
                self.with_element(target, timeout, |e| async move { e.enter_frame().await }).await
            }
            FrameSwitch::Parent => self.client().enter_parent_frame().await.map_err(error),
            FrameSwitch::Index(index) => {
                let deadline = Instant::now() + timeout;
                loop {
                    match self.client().clone().enter_frame(*index).await {
                        Ok(()) => return Ok(()),
                        Err(e) if e.is_no_such_frame() && Instant::now() < deadline => {
                            tokio::time::sleep(POLL_INTERVAL).await;
                        }
                        Err(e) if e.is_no_such_frame() => {
                            return Err(PageError::NoFrame { index: *index }.into());
                        }
                        Err(e) => return Err(error(e)),
                    }
                }
            }
            // Switching to the window one is in leaves every frame.
            FrameSwitch::Top => {
                let current = self.client().window().await.map_err(error)?;
                self.client().switch_to_window(current).await.map_err(error)
            }
        }
    }

    async fn pointer(&mut self, target: &Selector, gesture: Gesture, timeout: Duration) -> Result<(), BrowserError> {
        use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MOUSE_BUTTON_RIGHT, MouseActions, PointerAction};
        let client = self.client().clone();
        self.act(target, timeout, move |element| {
            let client = client.clone();
            async move {
                let mut mouse = MouseActions::new("mouse".into()).then(PointerAction::MoveToElement {
                    element,
                    duration: None,
                    x: 0.0,
                    y: 0.0,
                });
                let (button, clicks) = match gesture {
                    Gesture::Hover => (MOUSE_BUTTON_LEFT, 0),
                    Gesture::DoubleClick => (MOUSE_BUTTON_LEFT, 2),
                    Gesture::RightClick => (MOUSE_BUTTON_RIGHT, 1),
                };
                for _ in 0..clicks {
                    mouse = mouse.then(PointerAction::Down { button }).then(PointerAction::Up { button });
                }
                client.perform_actions(mouse).await?;
                client.release_actions().await
            }
        })
        .await?;
        if gesture == Gesture::DoubleClick {
            self.settle_navigation(true).await?;
        }
        Ok(())
    }

    async fn drag(&mut self, from: &Selector, to: &Selector, timeout: Duration) -> Result<(), BrowserError> {
        use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
        let deadline = Instant::now() + timeout;
        let source = self.actionable(from, deadline, timeout).await?;
        let target = self.actionable(to, deadline, timeout).await?;
        // Chromium does not start HTML drag and drop from WebDriver's mouse,
        // so a `draggable` element gets the drag events a person's drag fires.
        let html = self.client().execute(DRAG_HTML, vec![json!(source), json!(target)]).await.map_err(error)?;
        if html.as_bool() == Some(true) {
            return Ok(());
        }
        let button = MOUSE_BUTTON_LEFT;
        let step = Some(DRAG_STEP);
        let mouse = MouseActions::new("mouse".into())
            .then(PointerAction::MoveToElement { element: source, duration: None, x: 0.0, y: 0.0 })
            .then(PointerAction::Down { button })
            .then(PointerAction::MoveBy { duration: step, x: 5.0, y: 5.0 })
            .then(PointerAction::MoveToElement { element: target, duration: step, x: 0.0, y: 0.0 })
            .then(PointerAction::Up { button });
        self.client().perform_actions(mouse).await.map_err(error)?;
        self.client().release_actions().await.map_err(error)
    }

    async fn clear(&mut self, target: &Selector, timeout: Duration) -> Result<(), BrowserError> {
        // WebDriver's clear fires `change` only; pages listen for `input` too.
        let client = self.client().clone();
        let result = self
            .act(target, timeout, move |e| {
                let client = client.clone();
                async move {
                    e.clear().await?;
                    let input = "arguments[0].dispatchEvent(new Event('input', { bubbles: true }));";
                    client.execute(input, vec![json!(e)]).await.map(|_| ())
                }
            })
            .await;
        result.map_err(|e| match e {
            BrowserError::Page(PageError::Element { problem, .. })
                if matches!(*problem, PageError::WebDriver { ref code, .. } if code == "invalid element state") =>
            {
                BrowserError::NotEditable {
                    target: target.to_string(),
                    state: "not a field that can be emptied".into(),
                }
            }
            other => other,
        })
    }

    async fn cookies(&mut self, change: &Cookies) -> Result<String, BrowserError> {
        match change {
            Cookies::Read => {
                let jar = self.client().get_all_cookies().await.map_err(error)?;
                let list: Vec<Json> = jar
                    .iter()
                    .map(|c| {
                        json!({
                            "name": c.name(),
                            "value": c.value(),
                            "domain": c.domain().unwrap_or_default(),
                            "path": c.path().unwrap_or_default(),
                            "secure": c.secure().unwrap_or(false),
                            "http_only": c.http_only().unwrap_or(false),
                        })
                    })
                    .collect();
                Ok(Json::Array(list).to_string())
            }
            Cookies::Set(values) => {
                // For the site of the page in view, as the page would set it.
                let url = self.client().current_url().await.map_err(error)?;
                let host = url.host_str().unwrap_or_default().to_string();
                for (name, value) in values {
                    let mut cookie = fantoccini::cookies::Cookie::new(name.clone(), value.clone());
                    cookie.set_path("/");
                    cookie.set_domain(host.clone());
                    cookie.set_same_site(cookie::SameSite::Lax);
                    self.client().add_cookie(cookie).await.map_err(error)?;
                }
                Ok(String::new())
            }
            Cookies::Delete(Some(name)) => {
                self.client().delete_cookie(name).await.map(|()| String::new()).map_err(error)
            }
            Cookies::Delete(None) => self.client().delete_all_cookies().await.map(|()| String::new()).map_err(error),
        }
    }

    async fn history(&mut self, go: History) -> Result<(), BrowserError> {
        let done = match go {
            History::Back => self.client().back().await,
            History::Forward => self.client().forward().await,
            History::Refresh => self.client().refresh().await,
        };
        done.map_err(|e| if e.is_timeout() { PageError::LoadTimedOut.into() } else { error(e) })?;
        let loaded = self.client().execute(NAVIGATION, Vec::new()).await.map_err(error)?;
        if loaded["error_page"].as_bool() == Some(true) {
            let url = self.client().current_url().await.map(|u| u.to_string()).unwrap_or_default();
            let reason =
                loaded["code"].as_str().filter(|c| !c.is_empty()).unwrap_or("the browser showed its error page");
            return Err(BrowserError::NotLoaded { url, reason: reason.to_string() });
        }
        Ok(())
    }

    async fn window(&mut self, target: &WindowTarget, timeout: Duration) -> Result<(), BrowserError> {
        self.windows_used = true;
        let main = match &self.main_window {
            Some(main) => main.clone(),
            None => self.client().window().await.map_err(error)?,
        };
        if let WindowTarget::Close = target {
            let last = self.client().windows().await.map_err(error)?.len() <= 1;
            self.client().close_window().await.map_err(error)?;
            if last {
                // No window is left, so no session: say so, not "invalid session id".
                return Err(BrowserError::SessionLost("the step closed the browser's last window".into()));
            }
            return self.client().switch_to_window(main).await.map_err(error);
        }
        if let WindowTarget::Main = target {
            return self.client().switch_to_window(main).await.map_err(error);
        }
        let deadline = Instant::now() + timeout;
        loop {
            let current = self.client().window().await.ok();
            let handles = self.client().windows().await.map_err(error)?;
            for handle in handles.into_iter().rev() {
                match target {
                    WindowTarget::New if handle != main && Some(&handle) != current.as_ref() => {
                        return self.client().switch_to_window(handle).await.map_err(error);
                    }
                    WindowTarget::Title(part) => {
                        self.client().switch_to_window(handle.clone()).await.map_err(error)?;
                        if self.client().title().await.map_err(error)?.contains(part.as_str()) {
                            return Ok(());
                        }
                    }
                    _ => {}
                }
            }
            if let (WindowTarget::Title(_), Some(current)) = (target, current) {
                self.client().switch_to_window(current).await.map_err(error)?;
            }
            if Instant::now() >= deadline {
                let waited_for = match target {
                    WindowTarget::Title(part) => format!("a window whose title contains `{part}`"),
                    _ => "a new window".to_string(),
                };
                return Err(BrowserError::Timeout { waited_for, after: timeout });
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    async fn dialog(&mut self, answer: &DialogAnswer, timeout: Duration) -> Result<String, BrowserError> {
        let deadline = Instant::now() + timeout;
        let text = loop {
            match self.client().get_alert_text().await {
                Ok(text) => break text,
                Err(e) if e.is_no_such_alert() && Instant::now() < deadline => tokio::time::sleep(POLL_INTERVAL).await,
                Err(e) if e.is_no_such_alert() => {
                    let waited_for = "an alert, confirm or prompt".to_string();
                    return Err(BrowserError::Timeout { waited_for, after: timeout });
                }
                Err(e) => return Err(error(e)),
            }
        };
        match answer {
            DialogAnswer::Accept(prompt) => {
                if let Some(prompt) = prompt {
                    self.client().send_alert_text(prompt).await.map_err(error)?;
                }
                self.client().accept_alert().await.map_err(error)?;
            }
            DialogAnswer::Dismiss => self.client().dismiss_alert().await.map_err(error)?,
        }
        Ok(text)
    }

    async fn upload(
        &mut self,
        target: &Selector,
        file: &std::path::Path,
        timeout: Duration,
    ) -> Result<(), BrowserError> {
        let path = file.display().to_string();
        self.with_element(target, timeout, move |e| {
            let path = path.clone();
            async move { e.send_keys(&path).await }
        })
        .await
    }

    async fn run_script(&mut self, script: &str, args: &[Json], timeout: Duration) -> Result<String, BrowserError> {
        // The browser itself ends the script at the step's own timeout, so a
        // script that never settles leaves a browser that still answers.
        let own = timeout != SESSION_SCRIPT_LIMIT;
        if own {
            let limit = TimeoutConfiguration::new(Some(timeout), None, None);
            self.client().update_timeouts(limit).await.map_err(error)?;
        }
        let answer = tokio::time::timeout(timeout + SCRIPT_GRACE, self.client().execute(script, args.to_vec())).await;
        if own {
            let back = TimeoutConfiguration::new(Some(SESSION_SCRIPT_LIMIT), None, None);
            let _ = tokio::time::timeout(SCRIPT_GRACE, self.client().update_timeouts(back)).await;
        }
        let answer = answer.map_err(|_| BrowserError::ScriptTimedOut { after: timeout })?;
        match answer.map_err(|e| match &e {
            e if e.is_timeout() || e.to_string().contains("script timeout") => {
                BrowserError::ScriptTimedOut { after: timeout }
            }
            _ => error(e),
        })? {
            Json::String(s) => Ok(s),
            Json::Null => Ok("null".into()),
            element @ Json::Object(_) if element.get(ELEMENT_KEY).is_some() => {
                let path = self.client().execute(XPATH_OF, vec![element]).await.map_err(error)?;
                Ok(format!("xpath:{}", path.as_str().unwrap_or_default()))
            }
            other => Ok(other.to_string()),
        }
    }

    async fn reset(&mut self) -> Result<(), BrowserError> {
        // Known without asking: the last command left it so.
        if self.known_reset.swap(false, std::sync::atomic::Ordering::Relaxed) {
            return Ok(());
        }
        // The usual case in one round trip: no `window` step ran, and a
        // script runs (an open dialog would refuse it) in the top document.
        if !self.windows_used {
            let top = self.client().execute("return window === window.top;", Vec::new()).await;
            match (top, self.main_window.clone()) {
                (Ok(Json::Bool(true)), _) => return Ok(()),
                // In a frame: switching to the window leaves every frame.
                (Ok(_), Some(main)) => return self.client().switch_to_window(main).await.map_err(error),
                _ => {}
            }
        }
        self.windows_used = false;
        // An open dialog stops every other command; none open is no error.
        let _ = self.client().dismiss_alert().await;
        let main = match &self.main_window {
            Some(main) => main.clone(),
            None => self.client().window().await.map_err(error)?,
        };
        for handle in self.client().windows().await.map_err(error)? {
            if handle != main && self.client().switch_to_window(handle).await.is_ok() {
                let _ = self.client().close_window().await;
            }
        }
        // Switching to a window leaves every frame.
        self.client().switch_to_window(main).await.map_err(error)
    }

    fn download_dir(&self) -> Option<PathBuf> {
        self.downloads.clone()
    }

    async fn watch_texts(&mut self) -> Result<(), BrowserError> {
        self.client().execute(&script(WATCH_TEXTS), Vec::new()).await.map_err(error)?;
        Ok(())
    }

    async fn page_loaded_at(&mut self) -> Result<f64, BrowserError> {
        match self.client().execute(PAGE_LOADED_AT, Vec::new()).await.map_err(error)? {
            Json::Number(n) => n.as_f64().ok_or(BrowserError::Page(PageError::NotATime(None))),
            other => Err(PageError::NotATime(Some(other.to_string())).into()),
        }
    }

    async fn screenshot_masked(&mut self, pattern: &str, replacement: &str) -> Result<Vec<u8>, BrowserError> {
        self.client().execute(MASK_TEXT, vec![json!(pattern), json!(replacement)]).await.map_err(error)?;
        let png = self.client().screenshot().await.map_err(error);
        // The page goes on as it was, whatever the capture did.
        let restored = self.client().execute(UNMASK_TEXT, Vec::new()).await.map_err(error);
        let png = png?;
        restored?;
        Ok(png)
    }

    fn take_several(&mut self) -> Vec<(String, usize)> {
        self.several.get_mut().map(std::mem::take).unwrap_or_default()
    }
}
