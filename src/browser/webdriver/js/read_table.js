let t = find(arguments[0]);
if (!t) return null;
if (t.tagName.toLowerCase() !== 'table') t = t.querySelector('table');
// An ARIA grid or table has no HTML table in it: `read_grid` reads it.
if (!t) return { grid: true };
const cells = r => Array.from(r.cells).map(c => c.innerText.trim());
const rows = Array.from(t.rows).filter(r => r.cells.length);
let header = t.tHead && t.tHead.rows.length ? t.tHead.rows[0]
  : rows.find(r => Array.from(r.cells).every(c => c.tagName === 'TH'));
if (!header) header = rows[0];
// A row that is one cell spanning the table ("no errands") is a note, not a case.
const note = r => r.cells.length === 1 && r.cells[0].colSpan > 1;
const body = rows.filter(r => r !== header && !(t.tHead && t.tHead.contains(r)) && !note(r)).map(cells);
return { names: header ? cells(header) : [], rows: body };
