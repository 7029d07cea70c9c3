const wanted = arguments[0];
const xpath = wanted.some(s => s.xpath !== undefined || (s.query && s.query.parts.some(p => p.xpath !== undefined)));
if (xpath && shadowRoots(document).length) {
  return 'XPath cannot look into the shadow roots of the web components on this page; ' +
    'find the element by CSS or as a person names it (`role:`, `label:`, `text:`)';
}
// A defined custom element that takes up room but shows no shadow root
// and holds no elements most likely draws itself in a closed one.
const closed = Array.from(document.querySelectorAll('*')).filter(el => el.localName.includes('-') &&
  !el.shadowRoot && !el.firstElementChild && customElements.get(el.localName) && el.getBoundingClientRect().height > 0);
if (closed.length) {
  const names = [...new Set(closed.map(el => '<' + el.localName + '>'))].slice(0, 3).join(', ');
  return 'the page has web components whose shadow root seems closed (' + names + '), and no locator can look into one';
}
return null;
