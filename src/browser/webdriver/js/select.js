const el = find(arguments[0]), wanted = arguments[1], selected = arguments[2];
if (!el) return null;
if (el.tagName.toLowerCase() !== 'select') return { error: 'is not a list (a `select` element)' };
if (el.matches(':disabled')) return { error: 'disabled' };
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
el.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
el.dispatchEvent(new Event('change', { bubbles: true, composed: true }));
return { ok: true };
