let t = find(arguments[0]);
if (!t) return null;
if (t.tagName.toLowerCase() !== 'table') t = t.querySelector('table');
if (!t) return { error: 'the element is not a table' };
const cells = r => Array.from(r.cells).map(c => c.innerText.trim());
const rows = Array.from(t.rows).filter(r => r.cells.length);
let header = t.tHead && t.tHead.rows.length ? t.tHead.rows[0]
  : rows.find(r => Array.from(r.cells).every(c => c.tagName === 'TH'));
if (!header) header = rows[0];
if (!header) return { headers: [], rows: [] };
// A row that is one cell spanning the table ("no errands") is a note, not a case.
const note = r => r.cells.length === 1 && r.cells[0].colSpan > 1;
const body = rows.filter(r => r !== header && !(t.tHead && t.tHead.contains(r)) && !note(r)).map(cells);
// Columns by position: a missing or repeated header gets a name of its own,
// and a row wider than the header adds columns, so that none is lost.
const names = cells(header);
const width = Math.max(names.length, ...body.map(r => r.length));
const headers = [], seen = new Set();
for (let i = 0; i < width; i++) {
  let name = names[i] || ('column ' + (i + 1)), n = 2;
  while (seen.has(name)) name = (names[i] || 'column') + ' ' + n++;
  seen.add(name);
  headers.push(name);
}
return { headers, rows: body.map(r => headers.map((_, i) => r[i] || '')) };
