// Lists that draw only the rows in view (virtualised lists), shared by
// `scroll` and `read_table` with `scroll: true`.

// The element that scrolls: `host` itself, or the first inside it.
const scrollBox = (host) => {
  const scrolls = (el) => el.scrollHeight > el.clientHeight + 1 && /(auto|scroll)/.test(getComputedStyle(el).overflowY);
  return scrolls(host) ? host : within(host).find(scrolls) || null;
};
// Moves `box` from its top a view at a time (less a few pixels), calling
// `look()` after each move until it answers true, the end is reached, or
// the clock passes `stop`. The list draws its new rows on its scroll event:
// sent at once here (the browser's own comes a frame later), then the rows'
// change is awaited, at most 100 ms, for a list that draws in a later
// frame. At the end, a list that loads more when it is reached gets 300 ms.
const walkList = async (box, look, stop) => {
  const pause = (ms) => new Promise(r => setTimeout(r, ms));
  const moved = () => new Promise(r => {
    let late;
    const seen = new MutationObserver(() => { seen.disconnect(); clearTimeout(late); r(); });
    seen.observe(box, { childList: true, subtree: true, characterData: true });
    late = setTimeout(() => { seen.disconnect(); r(); }, 100);
    box.dispatchEvent(new Event('scroll'));
  });
  let views = 0;
  if (box.scrollTop > 0) {
    box.scrollTop = 0;
    await moved();
  }
  while (Date.now() < stop) {
    if (look()) return { views, end: false };
    const top = box.scrollTop, height = box.scrollHeight;
    box.scrollTop = top + Math.max(1, box.clientHeight - 8);
    if (box.scrollTop === top) {
      await pause(300);
      if (box.scrollHeight === height) return { views, end: !look() };
      continue;
    }
    await moved();
    views++;
  }
  return { views, end: false };
};
