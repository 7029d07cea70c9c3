// Scrolls a virtualised list until `until` is rendered, or its end is
// reached, or `budget` ms pass (`walkList`), then brings it into view.
// Answers {found, views, end}.
return (async () => {
  const [listSel, untilSel, budget] = arguments;
  const host = find(listSel);
  if (!host) return null;
  const box = scrollBox(host);
  if (!box) throw new Error('nightshift-locator: ' + describe(host) + ' does not scroll: it shows all it holds');
  let el = findAny(untilSel);
  let walked = { views: 0, end: false };
  if (!el) walked = await walkList(box, () => !!(el = findAny(untilSel)), Date.now() + budget);
  if (el) el.scrollIntoView({ block: 'nearest' });
  return { found: !!el, views: walked.views, end: walked.end };
})();
