const squash = (t) => (t || '').replace(/\s+/g, ' ').trim();
// Every element within `ctx`, through open shadow roots, in document order.
const within = (ctx) => {
  const out = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      out.push(el);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  if (ctx.shadowRoot) walk(ctx.shadowRoot);
  walk(ctx);
  return out;
};
const hiddenEl = (el) => !el.checkVisibility({ visibilityProperty: true }) || !!el.closest('[aria-hidden=true]');
const INPUT_ROLES = {
  button: 'button', submit: 'button', reset: 'button', image: 'button', checkbox: 'checkbox', radio: 'radio',
  range: 'slider', number: 'spinbutton', search: 'searchbox', email: 'textbox', tel: 'textbox', text: 'textbox',
  url: 'textbox', password: 'textbox',
};
const TAG_ROLES = {
  button: 'button', textarea: 'textbox', option: 'option', table: 'table', tr: 'row', thead: 'rowgroup',
  tbody: 'rowgroup', tfoot: 'rowgroup', ul: 'list', ol: 'list', menu: 'list', li: 'listitem', dialog: 'dialog',
  nav: 'navigation', main: 'main', form: 'form', fieldset: 'group', details: 'group', optgroup: 'group',
  progress: 'progressbar', meter: 'meter', hr: 'separator', article: 'article', aside: 'complementary',
  datalist: 'listbox', output: 'status', p: 'paragraph', h1: 'heading', h2: 'heading', h3: 'heading',
  h4: 'heading', h5: 'heading', h6: 'heading', search: 'search', figure: 'figure', caption: 'caption',
};
// The element's ARIA role: its `role` attribute's first word, else the one its tag and type imply.
const roleOf = (el) => {
  const written = (el.getAttribute('role') || '').trim().split(/\s+/)[0];
  if (written) return written === 'presentation' ? 'none' : written;
  const tag = el.localName;
  if (tag === 'input') {
    const role = INPUT_ROLES[(el.getAttribute('type') || 'text').toLowerCase()] || '';
    return el.hasAttribute('list') && (role === 'textbox' || role === 'searchbox') ? 'combobox' : role;
  }
  if (tag === 'a' || tag === 'area') return el.hasAttribute('href') ? 'link' : '';
  if (tag === 'select') return el.multiple || el.size > 1 ? 'listbox' : 'combobox';
  if (tag === 'img') return el.getAttribute('alt') === '' ? 'none' : 'img';
  if (tag === 'td') return el.closest('table[role=grid], table[role=treegrid]') ? 'gridcell' : 'cell';
  if (tag === 'th') return el.getAttribute('scope') === 'row' ? 'rowheader' : 'columnheader';
  if (tag === 'section') return el.hasAttribute('aria-label') || el.hasAttribute('aria-labelledby') ? 'region' : '';
  return TAG_ROLES[tag] || '';
};
const INLINE = new Set(['a', 'abbr', 'b', 'bdi', 'bdo', 'cite', 'code', 'em', 'i', 'label', 'mark', 'q', 's',
  'small', 'span', 'strong', 'sub', 'sup', 'time', 'u', 'font']);
// The text a person reads in `node`: images' alt, fields' values, shadow
// content and slotted nodes included, hidden parts left out.
const textOf = (node, skip) => {
  if (node.nodeType === 3) return node.data;
  if (node.nodeType !== 1 || node === skip) return '';
  const el = node, tag = el.localName;
  if (tag === 'script' || tag === 'style' || tag === 'template' || el.checkVisibility && !el.checkVisibility({ visibilityProperty: true })) return '';
  if (tag === 'img') return el.getAttribute('alt') || '';
  if (tag === 'input') return el.type === 'checkbox' || el.type === 'radio' ? '' : el.value;
  if (tag === 'textarea') return el.value;
  if (tag === 'select') return el.selectedOptions.length ? el.selectedOptions[0].text : '';
  const kids = tag === 'slot' ? el.assignedNodes({ flatten: true })
    : el.shadowRoot ? el.shadowRoot.childNodes : el.childNodes;
  let text = '';
  for (const kid of (kids.length || tag !== 'slot' ? kids : el.childNodes)) {
    const part = textOf(kid, skip);
    text += kid.nodeType === 1 && !INLINE.has(kid.localName) ? ' ' + part + ' ' : part;
  }
  return text;
};
const NAMED_BY_CONTENT = new Set(['button', 'link', 'heading', 'cell', 'gridcell', 'columnheader', 'rowheader',
  'row', 'option', 'tab', 'menuitem', 'menuitemcheckbox', 'menuitemradio', 'checkbox', 'radio', 'switch',
  'treeitem', 'tooltip', 'caption']);
// The element by id in its own tree, else in the document's.
const byId = (el, id) => {
  const root = el.getRootNode();
  return (root.getElementById && root.getElementById(id)) || document.getElementById(id);
};
// The accessible name, as browsers compute it in the cases that matter.
const nameOf = (el, role) => {
  const by = (el.getAttribute('aria-labelledby') || '').trim();
  if (by) {
    const text = squash(by.split(/\s+/).map(id => byId(el, id)).filter(Boolean).map(l => textOf(l, el)).join(' '));
    if (text) return text;
  }
  const label = squash(el.getAttribute('aria-label'));
  if (label) return label;
  const tag = el.localName, type = (el.getAttribute('type') || '').toLowerCase();
  if (tag === 'input' && (type === 'button' || type === 'submit' || type === 'reset')) return squash(el.value);
  if ((tag === 'input' && type === 'image') || tag === 'img' || tag === 'area') {
    const alt = squash(el.getAttribute('alt'));
    if (alt) return alt;
  }
  if (el.labels && el.labels.length) {
    const text = squash(Array.from(el.labels).map(l => textOf(l, el)).join(' '));
    if (text) return text;
  }
  const own = { fieldset: 'legend', table: 'caption', figure: 'figcaption' }[tag];
  const titled = own && Array.from(el.children).find(c => c.localName === own);
  if (titled) return squash(textOf(titled));
  if (NAMED_BY_CONTENT.has(role)) {
    const text = squash(textOf(el));
    if (text) return text;
  }
  return squash(el.getAttribute('title')) || squash(el.getAttribute('placeholder'));
};
const stateOf = (el, state) => {
  const aria = el.getAttribute('aria-' + state);
  if (state === 'disabled') return String(el.matches(':disabled') || aria === 'true');
  if (state === 'checked' && (el.type === 'checkbox' || el.type === 'radio')) {
    return el.indeterminate ? 'mixed' : String(el.checked);
  }
  if (state === 'selected' && el.localName === 'option') return String(el.selected);
  return aria === 'true' || aria === 'mixed' ? aria : 'false';
};
const levelOf = (el) => {
  const h = /^h([1-6])$/.exec(el.localName);
  return Number(el.getAttribute('aria-level')) || (h ? Number(h[1]) : 0);
};
const named = (el, role, want) => {
  if (!want) return true;
  const name = nameOf(el, role);
  if (want.is !== undefined) return name === squash(want.is);
  if (want.has !== undefined) return name.includes(squash(want.has));
  let pattern;
  try {
    pattern = new RegExp(want.pattern.source, want.pattern.flags);
  } catch (e) {
    throw new Error('nightshift-locator: `/' + want.pattern.source + '/` is not a pattern JavaScript reads: ' + e.message);
  }
  return pattern.test(name);
};
const byRole = (ctx, q) => within(ctx).filter(el => {
  const role = roleOf(el);
  if (role !== q.role) return false;
  if (!q.hidden && hiddenEl(el)) return false;
  if (q.level && levelOf(el) !== q.level) return false;
  if ((q.states || []).some(([state, value]) => stateOf(el, state) !== value)) return false;
  return named(el, role, q.name);
});
const inside = (ctx, el) => ctx === document || (el !== ctx && (ctx.contains(el) ||
  (ctx.shadowRoot && ctx.shadowRoot.contains(el))));
const matchPart = (ctx, part) => {
  if (part.css !== undefined) return within(ctx).filter(el => el.matches(part.css));
  if (part.role !== undefined) return byRole(ctx, part.role);
  const found = document.evaluate(part.xpath, ctx, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
  const out = [];
  for (let i = 0; i < found.snapshotLength; i++) {
    const node = found.snapshotItem(i);
    if (node.nodeType === 1 && inside(ctx, node)) out.push(node);
  }
  return out;
};
// Every element a query's chain finds, in order.
const queryAll = (q) => {
  let set = [document];
  for (const part of q.parts) {
    if (part.nth !== undefined) {
      const one = set.at(part.nth);
      set = one ? [one] : [];
      continue;
    }
    const seen = new Set();
    set = set.flatMap(ctx => matchPart(ctx, part)).filter(el => !seen.has(el) && seen.add(el));
  }
  return set;
};
const describe = (el) => {
  const tag = el.localName + (el.id ? '#' + el.id : '');
  const text = squash(nameOf(el, roleOf(el)) || textOf(el)).slice(0, 40);
  return text ? tag + ' "' + text + '"' : tag;
};
// The first element a selector finds, or null.
const findAny = (s) => {
  if (s.css !== undefined) return document.querySelector(s.css);
  if (s.xpath !== undefined) {
    return document.evaluate(s.xpath, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
  }
  return queryAll(s.query)[0] || null;
};
// The element an action takes: for a person-named query, the only one that
// matches (several are an error that names them) unless `nth` chose one.
const find = (s) => {
  if (s.query === undefined || !s.query.strict) return findAny(s);
  const all = queryAll(s.query);
  if (all.length > 1 && s.query.parts.at(-1).nth === undefined) {
    throw new Error('nightshift-locator: `' + s.query.written + '` matches ' + all.length + ' elements (' +
      all.slice(0, 3).map(describe).join(', ') + (all.length > 3 ? ', ...' : '') +
      '): say which with `>> nth=0` (from 0; -1 is the last) or look within one element with a chain');
  }
  return all[0] || null;
};
