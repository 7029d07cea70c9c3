// `choose` puts all but the value's last character into the field at once,
// as a paste does, before typing the last as a key: a combobox that
// searches on each key then asks its server once, and one that listens
// for keys still hears one. Answers false for a field that is not an
// input or a textarea (then every key is typed).
const el = find(arguments[0]);
if (!el) return null;
const field = innerField(el) || el;
const tag = field.localName;
if (tag !== 'input' && tag !== 'textarea') return false;
field.focus();
const proto = tag === 'textarea' ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
Object.getOwnPropertyDescriptor(proto, 'value').set.call(field, arguments[1]);
field.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true, inputType: 'insertFromPaste', data: arguments[1] }));
return true;
