const el = find(arguments[0]);
if (!el) return null;
if (!arguments[2]) return el.getAttribute(arguments[1]) || '';
const v = el[arguments[1]];
if (v === undefined || v === null) return '';
return typeof v === 'object' ? JSON.stringify(v) : String(v);
