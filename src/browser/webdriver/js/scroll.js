// Scrolls a list that renders only the rows in view (a virtualised list)
// until `until` is rendered, or its end is reached, or `budget` ms pass:
// from the top, a view at a time (less a few pixels), letting the page
// render between.
// Answers {found, views, end}.
return (async () => {
  const [listSel, untilSel, budget] = arguments;
  const host = find(listSel);
  if (!host) return null;
  const scrolls = (el) => el.scrollHeight > el.clientHeight + 1 && /(auto|scroll)/.test(getComputedStyle(el).overflowY);
  const box = scrolls(host) ? host : within(host).find(scrolls);
  if (!box) throw new Error('nightshift-locator: ' + describe(host) + ' does not scroll: it shows all it holds');
  const settle = (ms) => new Promise(r => setTimeout(r, ms));
  // The list draws its new rows on its scroll event: sent at once here (the
  // browser's own comes a frame later), then the rows' change is awaited,
  // for a list that draws in a later frame, at most 100 ms.
  const moved = () => new Promise(r => {
    let late;
    const seen = new MutationObserver(() => { seen.disconnect(); clearTimeout(late); r(); });
    seen.observe(box, { childList: true, subtree: true, characterData: true });
    late = setTimeout(() => { seen.disconnect(); r(); }, 100);
    box.dispatchEvent(new Event('scroll'));
  });
  const done = (el, views, end) => {
    if (el) el.scrollIntoView({ block: 'nearest' });
    return { found: !!el, views, end };
  };
  const stop = Date.now() + budget;
  let views = 0;
  let el = findAny(untilSel);
  if (el) return done(el, views, false);
  if (box.scrollTop > 0) {
    box.scrollTop = 0;
    await moved();
  }
  while (Date.now() < stop) {
    el = findAny(untilSel);
    if (el) return done(el, views, false);
    const top = box.scrollTop, height = box.scrollHeight;
    box.scrollTop = top + Math.max(1, box.clientHeight - 8);
    if (box.scrollTop === top) {
      // At the end: a list that loads more when it is reached gets a moment.
      await settle(300);
      if (box.scrollHeight === height) return done(findAny(untilSel), views, true);
      continue;
    }
    await moved();
    views++;
  }
  return done(findAny(untilSel), views, false);
})();
