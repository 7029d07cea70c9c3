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
// Whether `el` lies within `ctx`, shadow roots crossed.
const inside = (ctx, el) => {
  if (ctx === document) return true;
  for (let n = el.parentNode || el.host; n; n = n.parentNode || n.host) if (n === ctx) return true;
  return false;
};
// The open shadow roots within `ctx` (its own too), at any depth.
const shadowRoots = (ctx) => {
  const out = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) {
        out.push(el.shadowRoot);
        walk(el.shadowRoot);
      }
    }
  };
  if (ctx.shadowRoot) {
    out.push(ctx.shadowRoot);
    walk(ctx.shadowRoot);
  }
  walk(ctx);
  return out;
};
const xpathIn = (ctx, xpath) => {
  const found = document.evaluate(xpath, ctx, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
  const out = [];
  for (let i = 0; i < found.snapshotLength; i++) {
    const node = found.snapshotItem(i);
    if (node.nodeType === 1 && inside(ctx, node)) out.push(node);
  }
  return out;
};
const FIELDS = 'input:not([type=hidden]), select, textarea';
// The field a custom element wraps: the first inside its shadow root.
const innerField = (host) => host.matches(FIELDS) ? host : within(host).find(el => el.matches(FIELDS)) || null;
const labelText = (el) => squash(el.textContent);
// The fields labelled `v` in `root`: by a `<label>` (`for` or wrapped), by
// `aria-label` or `aria-labelledby` (which may reach across the shadow
// boundary), or a custom element's own `label` or `aria-label`, whose
// inner field is meant.
const labelled = (root, v) => {
  const out = [];
  for (const label of root.querySelectorAll('label')) {
    if (labelText(label) !== v) continue;
    const target = label.htmlFor && byId(label, label.htmlFor);
    const field = label.htmlFor ? target && innerField(target)
      : Array.from(label.querySelectorAll('*')).map(innerField).find(Boolean);
    if (field) out.push(field);
  }
  for (const el of root.querySelectorAll('*')) {
    const by = (el.getAttribute('aria-labelledby') || '').trim();
    const named = el.getAttribute('aria-label') === v || (el.shadowRoot && el.getAttribute('label') === v) ||
      (by && squash(by.split(/\s+/).map(id => byId(el, id)).filter(Boolean).map(labelText).join(' ')) === v);
    const field = named && innerField(el);
    if (field) out.push(field);
  }
  return out;
};
const ownText = (el) => Array.from(el.childNodes).filter(n => n.nodeType === 3).map(n => n.data).join('');
const CLICKABLE = 'button, a, summary, [role=button]';
const PRESSABLE = 'input[type=submit], input[type=button], input[type=reset]';
// A named locator's rule applied in `root` (a shadow root), as its XPath applies it in the page.
const namedIn = (root, by, v, attribute) => {
  const all = Array.from(root.querySelectorAll('*'));
  const attr = (name) => all.filter(el => el.getAttribute(name) === v);
  switch (by) {
    case 'id': return attr('id');
    case 'name': return attr('name');
    case 'title': return attr('title');
    case 'placeholder': return attr('placeholder').filter(el => el.matches('input, textarea'));
    case 'alt': return attr('alt').filter(el => el.matches('img, area, input'));
    case 'testid': {
      const names = attribute ? [attribute] : ['data-testid', 'data-test', 'data-cy'];
      return all.filter(el => names.some(a => el.getAttribute(a) === v));
    }
    case 'link': return all.filter(el => el.localName === 'a' && labelText(el) === v);
    case 'partial': return all.filter(el => el.localName === 'a' && labelText(el).includes(v));
    case 'label': return labelled(root, v);
    case 'text': {
      const clickable = all.filter(el => el.matches(CLICKABLE) ? labelText(el) === v : el.matches(PRESSABLE) && el.value === v);
      return clickable.length ? clickable
        : all.filter(el => el.localName !== 'script' && el.localName !== 'style' && squash(ownText(el)) === v);
    }
  }
  return [];
};
// A part's elements within `ctx`: in the page's own markup first; inside
// open shadow roots when that finds none.
const matchPart = (ctx, part) => {
  if (part.role !== undefined) return byRole(ctx, part.role);
  if (part.xpath !== undefined) return xpathIn(ctx, part.xpath);
  if (part.css !== undefined) {
    const light = Array.from(ctx.querySelectorAll(part.css));
    return light.length ? light : shadowRoots(ctx).flatMap(root => Array.from(root.querySelectorAll(part.css)));
  }
  const { by, value, xpath, attribute } = part.named;
  const light = xpathIn(ctx, xpath);
  if (light.length) return light;
  const extra = by === 'label' ? labelled(ctx, value).filter(el => inside(ctx, el)) : [];
  return extra.concat(shadowRoots(ctx).flatMap(root => namedIn(root, by, value, attribute)));
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
// How many elements a CSS or XPath selector matches in the page's own
// markup, when more than one (0 otherwise): the run log tells.
const several = (s) => {
  let n = 0;
  try {
    if (s.css !== undefined) n = document.querySelectorAll(s.css).length;
    if (s.xpath !== undefined) {
      n = document.evaluate('count(' + s.xpath + ')', document, null, XPathResult.NUMBER_TYPE, null).numberValue;
    }
  } catch (e) {
    n = 0;
  }
  return n > 1 ? n : 0;
};
// Every element a selector finds, as a chain's part would find it.
const queryAllOf = (s) => s.query !== undefined ? queryAll(s.query) : matchPart(document, s);
// The first element a selector finds, or null.
const findAny = (s) => {
  if (s.css !== undefined) {
    return document.querySelector(s.css) ||
      shadowRoots(document).reduce((found, root) => found || root.querySelector(s.css), null);
  }
  if (s.xpath !== undefined) {
    return document.evaluate(s.xpath, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
  }
  return queryAll(s.query)[0] || null;
};
// The element an action takes: for a person-named query, the only one that
// matches, or the only one shown; several shown are an error that names them
// unless `nth` chose one. None shown: the first, for the step to wait on.
const find = (s) => {
  if (s.query === undefined || !s.query.strict) return findAny(s);
  const all = queryAll(s.query);
  if (all.length < 2 || s.query.parts.at(-1).nth !== undefined) return all[0] || null;
  const shown = all.filter(el => !hiddenEl(el));
  if (shown.length > 1) {
    throw new Error('nightshift-locator: `' + s.query.written + '` matches ' + shown.length + ' elements (' +
      shown.slice(0, 3).map(describe).join(', ') + (shown.length > 3 ? ', ...' : '') +
      '): say which with `>> nth=0` (from 0; -1 is the last) or look within one element with a chain');
  }
  return shown[0] || all[0];
};
