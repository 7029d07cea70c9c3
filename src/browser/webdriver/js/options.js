const given = find(arguments[0]), value = squash(arguments[1]), contains = arguments[2], where = arguments[3];
if (!given) return null;
const field = innerField(given) || given;
const fits = (text) => contains ? text.includes(value) : text === value;
const textOfOption = (o) => squash(textOf(o)) || squash(o.value || '');
// The list the field names, else every option shown on the page (not those of a <select>).
let options, box = null;
if (where) {
  options = queryAllOf(where);
} else {
  const owned = (field.getAttribute('aria-controls') || field.getAttribute('aria-owns') || '').trim();
  box = owned && owned.split(/\s+/).map(id => byId(field, id)).find(Boolean);
  if (box && box.getAttribute('aria-busy') === 'true') return null;
  options = (box ? within(box) : within(document)).filter(el => roleOf(el) === 'option' && !el.closest('select, datalist'));
}
options = options.filter(el => !hiddenEl(el));
if (!options.length && field.list) {
  // A <datalist> shows its suggestions in the browser's own popup: the value is set as a choice would set it.
  const listed = Array.from(field.list.options);
  const pick = listed.find(o => fits(textOfOption(o)));
  if (!pick) return listed.length ? { offered: listed.map(textOfOption) } : null;
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
  setter.call(field, pick.value);
  field.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  field.dispatchEvent(new Event('change', { bubbles: true, composed: true }));
  return { chosen: true };
}
// A named list shown with no option in it ("no matches") is an answer too.
if (!options.length) return box && !hiddenEl(box) && box.getBoundingClientRect().height > 0 ? { offered: [] } : null;
const pick = options.find(o => fits(textOfOption(o)));
if (!pick) return { offered: options.map(textOfOption) };
// Picked as a mouse picks it, in the same round trip: press, release,
// click (a list that closes when its field loses focus picks on the press).
// A WebDriver click would cost 60-120 ms more, measured on Lex.
pick.scrollIntoView({ block: 'nearest' });
const rect = pick.getBoundingClientRect();
const at = { bubbles: true, composed: true, cancelable: true, view: window, button: 0,
  clientX: rect.left + rect.width / 2, clientY: rect.top + rect.height / 2 };
pick.dispatchEvent(new PointerEvent('pointerdown', { ...at, pointerType: 'mouse', isPrimary: true }));
pick.dispatchEvent(new MouseEvent('mousedown', { ...at, buttons: 1 }));
pick.dispatchEvent(new PointerEvent('pointerup', { ...at, pointerType: 'mouse', isPrimary: true }));
pick.dispatchEvent(new MouseEvent('mouseup', at));
pick.dispatchEvent(new MouseEvent('click', { ...at, detail: 1 }));
return { chosen: true };
