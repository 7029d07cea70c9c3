const wanted = arguments[0];
const xpath = wanted.some(s => s.xpath !== undefined || (s.query && s.query.parts.some(p => p.xpath !== undefined)));
if (xpath && shadowRoots(document).length) {
  return { hint: 'XPath cannot look into the shadow roots of the web components on this page; ' +
    'find the element by CSS or as a person names it (`role:`, `label:`, `text:`)' };
}
// A defined custom element that takes up room but shows no shadow root
// and holds no elements most likely draws itself in a closed one.
const closed = Array.from(document.querySelectorAll('*')).filter(el => el.localName.includes('-') &&
  !el.shadowRoot && !el.firstElementChild && customElements.get(el.localName) && el.getBoundingClientRect().height > 0);
if (closed.length) {
  const names = [...new Set(closed.map(el => '<' + el.localName + '>'))].slice(0, 3).join(', ');
  return { hint: 'the page has web components whose shadow root seems closed (' + names + '), and no locator can look into one' };
}
// Which of the wanted match nothing now; for those written as a person names
// an element, the nearest name of that kind on the page (close to what the
// robot wrote, so no other text of the page is told).
const distance = (a, b) => {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next.push(Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    row = next;
  }
  return row[b.length];
};
const offered = (by) => {
  const all = Array.from(document.querySelectorAll('*'));
  switch (by) {
    case 'text': return all.filter(el => el.matches(CLICKABLE)).map(labelText)
      .concat(all.filter(el => el.matches(PRESSABLE)).map(el => el.value));
    case 'link': case 'partial': return all.filter(el => el.localName === 'a').map(labelText);
    case 'label': return all.filter(el => el.localName === 'label').map(labelText)
      .concat(all.map(el => el.getAttribute('aria-label')));
    case 'id': case 'name': case 'placeholder': case 'title': return all.map(el => el.getAttribute(by));
  }
  return [];
};
const nearest = (want, names) => {
  let best = null, least = Math.max(2, Math.floor(want.length / 3)) + 1;
  for (const name of new Set(names)) {
    if (!name || name === want || name.length > 2 * want.length + 10) continue;
    const d = distance(want.toLowerCase(), name.toLowerCase());
    if (d < least) [best, least] = [name, d];
  }
  return best;
};
const missing = [];
const hints = [];
wanted.forEach((s, i) => {
  let found = null;
  try { found = findAny(s); } catch (e) { found = true; }
  if (found) return;
  missing.push(i);
  const named = s.query && s.query.parts.length === 1 && s.query.parts[0].named;
  const near = named ? nearest(named.value, offered(named.by)) : null;
  if (near !== null) hints.push('`' + s.query.written + '` is not on the page, but `' + named.by + ':' + near + '` is');
});
const found = wanted.length - missing.length;
if (found > 0 && missing.length) hints.push(found === 1 ? 'the other field is there' : 'the other ' + found + ' are there');
return { missing: missing, hint: hints.length ? hints.join('; ') : null };
