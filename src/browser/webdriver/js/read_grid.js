// Reads an ARIA grid or table (role=row, role=columnheader, role=cell or
// gridcell; an HTML table's own roles count too), and with `scroll` every
// row of a virtualised one, collected as the list is walked (`walkList`)
// and put in order by `aria-rowindex` where the rows have it.
// Answers {names, rows, end}.
return (async () => {
  const [sel, scroll, budget] = arguments;
  const host = find(sel);
  if (!host) return null;
  const GRIDS = new Set(['grid', 'table', 'treegrid']);
  const grid = GRIDS.has(roleOf(host)) ? host : within(host).find(el => GRIDS.has(roleOf(el)));
  if (!grid) return { error: 'the element is neither a table nor a grid' };
  const CELLS = new Set(['cell', 'gridcell', 'columnheader', 'rowheader']);
  const rowOf = (el) => { for (let n = el.parentElement; n; n = n.parentElement) if (roleOf(n) === 'row') return n; return null; };
  const cellsOf = (row) => within(row).filter(c => CELLS.has(roleOf(c)) && rowOf(c) === row).map(c => squash(textOf(c)));
  const rowsNow = () => within(grid).filter(r => roleOf(r) === 'row');
  const header = rowsNow().find(r => within(r).some(c => roleOf(c) === 'columnheader' && rowOf(c) === r));
  const found = new Map();
  const collect = () => {
    for (const row of rowsNow()) {
      if (row === header) continue;
      const cells = cellsOf(row);
      if (!cells.length) continue;
      const at = Number(row.getAttribute('aria-rowindex')) || 0;
      const key = at ? 'row ' + at : cells.join('\u0001');
      if (!found.has(key)) found.set(key, { at, order: found.size, cells });
    }
    return false;
  };
  collect();
  let end = true;
  const box = scroll ? scrollBox(grid) : null;
  if (box) end = (await walkList(box, collect, Date.now() + budget)).end;
  const rows = [...found.values()].sort((a, b) => (a.at - b.at) || (a.order - b.order)).map(r => r.cells);
  return { names: header ? cellsOf(header) : [], rows, end };
})();
