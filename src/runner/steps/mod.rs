//! The steps, one method each, by family: `page` (the browser), `data`
//! (variables, files, HTTP, checks of identifiers) and `flow` (conditions,
//! loops, retries, other files' steps, ending a case). `step` below is the one
//! dispatch; a new step gets an arm here and a method in its family's file.

mod data;
mod expect;
mod flow;
mod page;

use crate::browser::Browser;
use crate::robot::step::{Action, Step};
use crate::runner::case::Case;
use crate::runner::event::Block;
use crate::runner::failure::Failure;
use crate::runner::run::Runner;

impl<B: Browser> Runner<'_, B> {
    /// Runs one step; with `expect`, the page's texts are watched from just
    /// before its action until what it expects shows.
    pub(super) async fn step(&mut self, step: &Step, block: Block, case: Option<&Case>) -> Result<(), Failure> {
        let Some(expect) = &step.expect else { return self.act(step, block, case).await };
        self.browser.watch_texts().await?;
        self.act(step, block, case).await?;
        self.expect(expect, step.timeout.unwrap_or(self.robot.timeouts.step)).await
    }

    async fn act(&mut self, step: &Step, block: Block, case: Option<&Case>) -> Result<(), Failure> {
        let timeout = step.timeout.unwrap_or(self.robot.timeouts.step);
        match &step.action {
            Action::Goto { url, accept_status } => self.goto(url, accept_status).await,
            Action::Click { target } => self.click(target, timeout, case).await,
            Action::Fill { fields, submit } => self.fill(fields, submit.as_ref(), timeout, case).await,
            Action::Type { target, text, clear } => self.type_text(target, text, *clear, timeout, case).await,
            Action::Select { target, choices, selected } => {
                self.select(target, choices, *selected, timeout, case).await
            }
            Action::Choose { target, values, contains, options } => {
                self.choose(target, values, *contains, options.as_ref(), timeout, case).await
            }
            Action::Scroll { list, until } => self.scroll(list, until, timeout, case).await,
            Action::WaitFor { condition } => self.wait_for(condition, timeout, case).await,
            Action::ReadText { from, into, part } => self.read_text(from, into, part, timeout, case).await,
            Action::ReadTable { from, into, scroll } => self.read_table(from, into, *scroll, timeout, case).await,
            Action::SetChecked { target, checked } => self.set_checked(target, *checked, timeout, case).await,
            Action::Press { keys, target } => self.press(keys, target.as_ref(), timeout, case).await,
            Action::Frame { target } => self.frame(target, timeout, case).await,
            Action::Pointer { target, gesture } => self.pointer(target, *gesture, timeout, case).await,
            Action::Drag { from, to } => self.drag(from, to, timeout, case).await,
            Action::Clear { target } => self.clear(target, timeout, case).await,
            Action::History { go } => Ok(self.browser.history(*go).await?),
            Action::Cookies { change } => self.cookies(change).await,
            Action::Window { target } => self.window(target, timeout).await,
            Action::Dialog { accept, prompt, into } => {
                self.dialog(*accept, prompt.as_ref(), into.as_ref(), timeout).await
            }
            Action::Upload { target, from } => self.upload(target, from, timeout, case).await,
            Action::Download { click, save_as, into } => {
                self.download_step(click, save_as.as_ref(), into.as_ref(), timeout, case).await
            }
            Action::Script { code, args, into } => self.script(code, args, into.as_ref(), timeout).await,
            Action::Screenshot { name } => self.screenshot(name.as_ref(), case).await,
            Action::Set { values } => self.set(values),
            Action::Http { method, url, body, into, headers } => {
                self.http(*method, url, body.as_ref(), into.as_ref(), headers).await
            }
            Action::ReadFile { format, file, into, encoding } => self.read_file(*format, file, into, *encoding),
            Action::ReadXml { from, into, namespaces } => self.read_xml(from, into, namespaces),
            Action::OpenEPlatform(calls) => self.open_eplatform(calls).await,
            Action::WriteCsv { file, row, separator, encoding } => self.write_csv(file, row, *separator, *encoding),
            Action::WriteJson { file, json } => self.write_json(file, json),
            Action::Validate { kind, value, message } => self.validate(*kind, value, message.as_ref()),
            Action::Fail { message } => Err(Failure::Business(self.render_message(message))),
            Action::Skip { message } => Err(Failure::Skip(self.render_message(message))),
            Action::Log { message } => self.log(message, case),
            Action::Assert { condition, message } => self.assert(condition, message.as_ref(), step.timeout).await,
            Action::If { condition, then, otherwise } => self.if_step(condition, then, otherwise, block, case).await,
            Action::ForEach { list, name, steps } => self.for_each(list, name, steps, block, case).await,
            Action::Retry { times, pause, steps } => self.retry(*times, *pause, steps, block, case).await,
            Action::Use { args, steps, .. } => self.use_steps(args, steps, block, case).await,
        }
    }
}
