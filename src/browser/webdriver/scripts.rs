//! The JavaScript the browser runs for nightshift: one script per kind of
//! step that finds its element and acts on it in a single round trip.

use serde_json::Value as Json;

use crate::browser::Selector;

pub(super) fn selector_json(s: &Selector) -> Json {
    serde_json::to_value(s).unwrap_or(Json::Null)
}

/// Finds an element from a `{css}` or `{xpath}` selector; shared by the scripts
/// (public for the benchmark that issues the same commands without nightshift).
pub const FIND: &str = r#"
const find = (s) => s.css !== undefined
  ? document.querySelector(s.css)
  : document.evaluate(s.xpath, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
"#;

/// Sets every field and clicks `submit` (watching, as `WATCH_NAVIGATION`
/// does, for the page it may load).
pub(super) const FILL: &str = r#"
const fields = arguments[0], submitSel = arguments[1];
const els = fields.map(f => find(f.sel));
const submit = submitSel ? find(submitSel) : null;
if (els.some(e => !e) || (submitSel && !submit)) return null;
for (let i = 0; i < els.length; i++) {
  const el = els[i], tag = el.tagName.toLowerCase();
  const state = el.disabled ? 'disabled' : ((tag === 'input' || tag === 'textarea') && el.readOnly ? 'read-only' : '');
  if (state) return { not_editable: i, state: state };
}
const truthy = ['true', 'yes', 'ja', 'on', '1', 'x'];
for (let i = 0; i < els.length; i++) {
  const el = els[i], v = fields[i].value, tag = el.tagName.toLowerCase();
  if (tag === 'select') {
    const opts = Array.from(el.options);
    const opt = opts.find(o => o.value === v) || opts.find(o => o.text.trim() === v);
    if (!opt) return { error: 'the list has no option `' + v + '`' };
    el.value = opt.value;
  } else if (el.type === 'checkbox' || el.type === 'radio') {
    el.checked = truthy.includes(String(v).toLowerCase());
  } else {
    const proto = tag === 'textarea' ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
    const setter = Object.getOwnPropertyDescriptor(proto, 'value').set;
    if (tag === 'input' || tag === 'textarea') setter.call(el, v); else el.textContent = v;
  }
  el.dispatchEvent(new Event('input', { bubbles: true }));
  el.dispatchEvent(new Event('change', { bubbles: true }));
}
if (!submit) return { ok: true, submitted: false };
watchNavigation();
// The submit event, kept to read once every handler of the page has run.
let event = null;
const seen = e => { event = e; };
window.addEventListener('submit', seen, true);
submit.click();
window.removeEventListener('submit', seen, true);
// The page handled its form itself and began no navigation: nothing to wait for.
const handled = event !== null && event.defaultPrevented && window.__nightshiftLeaving !== true;
return { ok: true, submitted: true, handled, top: window === window.top };
"#;

/// Before an action that may load another page: a flag that the Navigation
/// API raises when the page starts to leave for another document.
pub(super) const WATCH_NAVIGATION: &str = "watchNavigation(); return true;";

/// After a submit clicked by script: whether the page stays, is leaving, or
/// was already replaced (the flag is gone with it). The check runs in the
/// page's task queue after the task the click queued, so it knows.
pub(super) const LEAVING: &str =
    "return window.__nightshiftLeaving === undefined ? 'new' : (window.__nightshiftLeaving ? 'leaving' : 'stay');";

/// The same after a WebDriver click, whose navigation may begin a little
/// later (measured: 9 of 200 were missed without the wait): it answers once
/// the tasks queued meanwhile have run.
pub(super) const LEAVING_AFTER_CLICK: &str = r#"
const done = arguments[arguments.length - 1];
setTimeout(() => setTimeout(() => done(window.__nightshiftLeaving === undefined ? 'new' : (window.__nightshiftLeaving ? 'leaving' : 'stay')), 0), 0);
"#;

/// True once the page that was left has been replaced and has loaded (null before).
pub(super) const ARRIVED_OR_NULL: &str =
    "return window.__nightshiftLeaving === undefined && document.readyState === 'complete' ? true : null;";

/// Whether the browser shows its own error page (and its error code), and the
/// HTTP status of the page's navigation where the browser reports it.
pub(super) const NAVIGATION: &str = r#"
const nav = (performance.getEntriesByType('navigation') || [])[0];
const errorPage = location.href.startsWith('chrome-error:');
const code = errorPage ? ((document.querySelector('.error-code') || {}).textContent || '').trim() : '';
return { error_page: errorPage, code: code, status: nav && nav.responseStatus ? nav.responseStatus : 0 };
"#;

/// A field's value, else the text as shown: nothing for a hidden element,
/// and no blank lines between blocks.
pub const READ_TEXT: &str = r#"
const el = find(arguments[0]);
if (!el) return null;
const tag = el.tagName.toLowerCase();
if (tag === 'input' || tag === 'textarea' || tag === 'select') return el.value;
if (el.checkVisibility && !el.checkVisibility({ visibilityProperty: true })) return '';
return el.innerText.replace(/\n[ \t]*(\n[ \t]*)+/g, '\n').trim();
"#;

pub(super) const READ_TABLE: &str = r#"
let t = find(arguments[0]);
if (!t) return null;
if (t.tagName.toLowerCase() !== 'table') t = t.querySelector('table');
if (!t) return { error: 'the element is not a table' };
const cells = r => Array.from(r.cells).map(c => c.innerText.trim());
const rows = Array.from(t.rows).filter(r => r.cells.length);
let header = t.tHead && t.tHead.rows.length ? t.tHead.rows[0]
  : rows.find(r => Array.from(r.cells).every(c => c.tagName === 'TH'));
if (!header) header = rows[0];
if (!header) return { headers: [], rows: [] };
// A row that is one cell spanning the table ("no errands") is a note, not a case.
const note = r => r.cells.length === 1 && r.cells[0].colSpan > 1;
const body = rows.filter(r => r !== header && !(t.tHead && t.tHead.contains(r)) && !note(r)).map(cells);
// Columns by position: a missing or repeated header gets a name of its own,
// and a row wider than the header adds columns, so that none is lost.
const names = cells(header);
const width = Math.max(names.length, ...body.map(r => r.length));
const headers = [], seen = new Set();
for (let i = 0; i < width; i++) {
  let name = names[i] || ('column ' + (i + 1)), n = 2;
  while (seen.has(name)) name = (names[i] || 'column') + ' ' + n++;
  seen.add(name);
  headers.push(name);
}
return { headers, rows: body.map(r => headers.map((_, i) => r[i] || '')) };
"#;

/// Answers a condition's probes: for each element, whether it is there,
/// shown, usable and ticked, with its text and value.
pub(super) const PROBE: &str = r#"
const shown = el => {
  const r = el.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) return false;
  return el.checkVisibility ? el.checkVisibility({ visibilityProperty: true }) : el.getClientRects().length > 0;
};
return arguments[0].map(p => {
  if (p.page) return { found: true, text: document.body ? document.body.innerText : '' };
  if (p.url) {
    let url = location.href;
    try { url = window.top.location.href; } catch (e) {}
    return { found: true, text: url };
  }
  const el = find(p.sel);
  if (!el) return { found: false };
  const visible = shown(el), tag = el.tagName.toLowerCase();
  const field = tag === 'input' || tag === 'textarea' || tag === 'select';
  const text = visible ? el.innerText : '';
  return {
    found: true, visible, text,
    enabled: !el.matches(':disabled'),
    checked: !!(el.checked || el.selected),
    value: field ? el.value : text,
  };
});
"#;

/// Whether an element can be acted on as a person would: `{el, why}` with
/// `why` null when it can; null when it is not there. Marks the document as
/// `WATCH_NAVIGATION` does, for a click that may load another page.
pub(super) const ACTIONABLE: &str = r#"
watchNavigation();
const el = find(arguments[0]);
if (!el) return null;
let r = el.getBoundingClientRect();
if (r.width === 0 && r.height === 0 || (el.checkVisibility && !el.checkVisibility({ visibilityProperty: true })))
  return { el, why: 'is not visible' };
if (el.matches(':disabled')) return { el, why: 'is disabled' };
const moving = document.getAnimations && document.getAnimations().some(a =>
  a.playState === 'running' && a.effect && a.effect.target && a.effect.target.contains && a.effect.target.contains(el));
if (moving) return { el, why: 'is moving (an animation is running on it)' };
if (r.bottom < 0 || r.right < 0 || r.top > innerHeight || r.left > innerWidth) {
  el.scrollIntoView({ block: 'center', inline: 'center' });
  r = el.getBoundingClientRect();
}
const x = Math.min(Math.max(r.left + r.width / 2, 0), innerWidth - 1);
const y = Math.min(Math.max(r.top + r.height / 2, 0), innerHeight - 1);
const top = document.elementFromPoint(x, y);
if (top && top !== el && !el.contains(top) && !(top.control === el) && !(el.labels && Array.from(el.labels).includes(top))) {
  const name = top.tagName.toLowerCase() + (top.id ? '#' + top.id : '') +
    Array.from(top.classList).slice(0, 3).map(c => '.' + c).join('');
  const text = (top.innerText || '').trim().split('\n')[0].slice(0, 40);
  return { el, why: 'is covered by `' + name + '`' + (text ? ' ("' + text + '")' : '') };
}
return { el, why: null };
"#;

/// An element's absolute XPath, by position among its like siblings.
pub(super) const XPATH_OF: &str = r#"
let el = arguments[0], path = '';
for (; el && el.nodeType === 1; el = el.parentNode) {
  let n = 1;
  for (let s = el.previousElementSibling; s; s = s.previousElementSibling) if (s.tagName === el.tagName) n++;
  path = '/' + el.tagName.toLowerCase() + '[' + n + ']' + path;
}
return path;
"#;

/// HTML drag and drop between two elements, for a `draggable` source: the
/// events a person's drag fires, with one DataTransfer. False when the
/// source is not draggable (the mouse drags it instead).
pub(super) const DRAG_HTML: &str = r#"
const from = arguments[0], to = arguments[1];
if (!from.draggable) return false;
const data = new DataTransfer();
const fire = (el, type) => el.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data }));
fire(from, 'dragstart');
fire(to, 'dragenter');
fire(to, 'dragover');
fire(to, 'drop');
fire(from, 'dragend');
return true;
"#;

pub(super) const EXISTS: &str = "return find(arguments[0]) !== null;";

pub(super) const FIRST_MATCH: &str = r#"
const i = arguments[0].findIndex(s => find(s) !== null);
return i < 0 ? null : i;
"#;

pub(super) const IS_CHECKED: &str = r#"
const el = find(arguments[0]);
return el ? { checked: !!el.checked, disabled: !!el.disabled } : null;
"#;

/// Picks or takes back options by label (whitespace collapsed) or value,
/// firing the events a person's choice fires. Names a missing option and
/// lists those there.
pub(super) const SELECT: &str = r#"
const el = find(arguments[0]), wanted = arguments[1], selected = arguments[2];
if (!el) return null;
if (el.tagName.toLowerCase() !== 'select') return { error: 'is not a list (a `select` element)' };
if (el.matches(':disabled')) return { error: 'disabled' };
const squash = t => t.replace(/\s+/g, ' ').trim();
const opts = Array.from(el.options);
const picked = [];
for (const w of wanted) {
  const opt = w.value !== undefined ? opts.find(o => o.value === w.value) : opts.find(o => squash(o.text) === squash(w.label));
  if (!opt) {
    const asked = w.value !== undefined ? 'value `' + w.value + '`' : '`' + w.label + '`';
    const there = opts.map(o => '`' + squash(o.text) + '`').join(', ');
    return { error: 'the list has no option ' + asked + ' (it has ' + (there || 'none') + ')' };
  }
  picked.push(opt);
}
if (!el.multiple && picked.length > 1) return { error: 'the list takes one option, and ' + picked.length + ' were given' };
if (!el.multiple && !selected) return { error: 'only a multiple list can have options taken back' };
for (const opt of picked) opt.selected = selected;
el.dispatchEvent(new Event('input', { bubbles: true }));
el.dispatchEvent(new Event('change', { bubbles: true }));
return { ok: true };
"#;

pub(super) const ATTRIBUTE: &str = r#"
const el = find(arguments[0]);
if (!el) return null;
if (!arguments[2]) return el.getAttribute(arguments[1]) || '';
const v = el[arguments[1]];
if (v === undefined || v === null) return '';
return typeof v === 'object' ? JSON.stringify(v) : String(v);
"#;

pub fn script(body: &str) -> String {
    format!("{FIND}{WATCH}{body}")
}

/// Marks the document before an action that may load another page: a flag
/// that the Navigation API raises when the page starts to leave for another
/// document (`LEAVING` reads it). Shared by the scripts that click.
const WATCH: &str = r#"
const watchNavigation = () => {
  window.__nightshiftLeaving = false;
  if (window.navigation) navigation.addEventListener('navigate', e => {
    if (!e.destination.sameDocument && !e.downloadRequest) window.__nightshiftLeaving = true;
  }, { once: true });
};
"#;

/// The later start of the current document and the top one (a frame's
/// page may be the case's own while the frameset is older, and back).
pub(super) const PAGE_LOADED_AT: &str = "
    const times = [performance.timeOrigin];
    try { times.push(window.top.performance.timeOrigin); } catch (e) {}
    return Math.max(...times);";

/// Replaces matching text in every text node and field of the top document
/// and its same-origin frames, keeping the originals to put back.
pub(super) const MASK_TEXT: &str = "
    const pattern = new RegExp(arguments[0], 'g');
    const replacement = arguments[1];
    const kept = [];
    const visit = (doc) => {
        const walker = doc.createTreeWalker(doc.body || doc.documentElement, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const masked = node.nodeValue.replace(pattern, replacement);
            if (masked !== node.nodeValue) { kept.push([node, 'nodeValue', node.nodeValue]); node.nodeValue = masked; }
        }
        for (const field of doc.querySelectorAll('input, textarea')) {
            const masked = (field.value || '').replace(pattern, replacement);
            if (masked !== field.value) { kept.push([field, 'value', field.value]); field.value = masked; }
        }
        for (const frame of doc.querySelectorAll('frame, iframe')) {
            try { if (frame.contentDocument) visit(frame.contentDocument); } catch (e) {}
        }
    };
    visit(window.top.document);
    window.top.__nightshiftMasked = kept;";

pub(super) const UNMASK_TEXT: &str = "
    for (const [node, property, value] of (window.top.__nightshiftMasked || []).reverse()) node[property] = value;
    window.top.__nightshiftMasked = undefined;";
