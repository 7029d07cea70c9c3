const el = find(arguments[0]);
if (!el) return null;
const tag = el.tagName.toLowerCase();
if (tag === 'input' || tag === 'textarea' || tag === 'select') return el.value;
if (el.checkVisibility && !el.checkVisibility({ visibilityProperty: true })) return '';
return el.innerText.replace(/\n[ \t]*(\n[ \t]*)+/g, '\n').trim();
