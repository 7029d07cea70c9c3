const shown = el => {
  const r = el.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) return false;
  return el.checkVisibility ? el.checkVisibility({ visibilityProperty: true }) : el.getClientRects().length > 0;
};
// A page built of web components shows text from their shadow roots too.
// Asked on every look of a wait, so the check stops at the first host.
const anyShadow = () => { for (const el of document.querySelectorAll('*')) if (el.shadowRoot) return true; return false; };
const pageText = () => !document.body ? '' : anyShadow() ? squash(textOf(document.body)) : document.body.innerText;
return arguments[0].map(p => {
  if (p.page) return { found: true, text: pageText() };
  // What showed since `watch_texts`, then the page now, one per record.
  if (p.seen) return { found: true, text: [...(window.__nightshiftSeen || []), pageText()].join('\u001e') };
  if (p.url) {
    let url = location.href;
    try { url = window.top.location.href; } catch (e) {}
    return { found: true, text: url };
  }
  const el = findAny(p.sel);
  if (!el) return { found: false };
  const visible = shown(el), tag = el.tagName.toLowerCase();
  const field = tag === 'input' || tag === 'textarea' || tag === 'select';
  const text = !visible ? '' : el.shadowRoot ? squash(textOf(el)) : el.innerText;
  return {
    found: true, visible, text,
    enabled: !el.matches(':disabled'),
    checked: !!(el.checked || el.selected),
    value: field ? el.value : text,
  };
});
