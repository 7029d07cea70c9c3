// Before a step with `expect`: keeps every text that shows in the page from
// now on, in open shadow roots too, so that a message shown and taken away
// between two looks (a toast) is still seen. The texts live with the
// document; a page that loads another document starts again.
const seen = window.__nightshiftSeen = [];
const deep = (n) => {
  if (n.nodeType === 3) return n.data;
  if (n.nodeType !== 1 || n.localName === 'script' || n.localName === 'style') return '';
  const kids = [...(n.shadowRoot ? n.shadowRoot.childNodes : []), ...n.childNodes];
  return kids.map(k => deep(k) + (k.nodeType === 1 ? ' ' : '')).join('');
};
const note = (n) => {
  const text = squash(deep(n.nodeType === 3 && n.parentNode ? n.parentNode : n));
  if (text && seen.length < 1000) seen.push(text);
};
const observer = new MutationObserver(records => {
  for (const r of records) {
    if (r.type === 'characterData') note(r.target);
    for (const n of r.addedNodes) { note(n); watchShadows(n); }
  }
});
const watched = new WeakSet();
const watch = (root) => observer.observe(root, { childList: true, subtree: true, characterData: true });
const watchShadows = (node) => {
  if (node.nodeType !== 1) return;
  for (const el of [node, ...within(node)]) {
    if (el.shadowRoot && !watched.has(el.shadowRoot)) { watched.add(el.shadowRoot); watch(el.shadowRoot); }
  }
};
if (window.__nightshiftObserver) window.__nightshiftObserver.disconnect();
window.__nightshiftObserver = observer;
watch(document);
watchShadows(document.documentElement);
return true;
