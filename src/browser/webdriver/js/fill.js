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
  // Composed, so that a web component hears what happens in its shadow root.
  el.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  el.dispatchEvent(new Event('change', { bubbles: true, composed: true }));
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
