//! A practice page beside the school health journal (`/lab`), written for
//! this project: the things legacy pages make robots do (a menu that opens
//! on hover, double and right clicks, drag and drop, a multiple list, a
//! button that shows late or under an overlay, nested frames). Each action
//! leaves its result on the page, where tests and the docs' examples read it.

use axum::Router;
use axum::response::Html;
use axum::routing::get;

pub(crate) fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/lab", get(|| async { Html(LAB) }))
        .route("/lab/other", get(|| async { Html(OTHER) }))
        .route("/lab/frames", get(|| async { Html(FRAMES) }))
        .route("/lab/frames/outer", get(|| async { Html(OUTER) }))
        .route("/lab/frames/inner", get(|| async { Html(INNER) }))
}

const LAB: &str = r#"<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><title>Övningssida</title>
<style>
  body { font-family: sans-serif; margin: 1rem; }
  nav { position: relative; display: inline-block; }
  #submenu { display: none; position: absolute; background: #eee; padding: .5rem; }
  nav:hover #submenu { display: block; }
  .box { display: inline-block; min-width: 8rem; min-height: 2rem; border: 1px solid #888; margin: .5rem; padding: .5rem; }
  #overlay { position: fixed; inset: 0; background: rgba(0,0,0,.3); }
  #knob { display: block; position: relative; left: 0; width: 2rem; height: 2rem; background: #358; }
</style></head>
<body>
<h1>Övningssida</h1>
<nav><span id="menu">Meny</span><div id="submenu"><a id="reports" href="/lab/other">Rapporter</a></div></nav>
<p><span id="dbl" class="box">Dubbelklicka här</span> <span id="dbl-result"></span></p>
<p><span id="ctx" class="box">Högerklicka här</span> <span id="ctx-result"></span></p>
<p><span id="card" class="box" draggable="true">Ärende 17</span>
   <span id="bin" class="box">Klar</span> <span id="bin-result"></span></p>
<p><span id="track" class="box" style="width: 20rem"><span id="knob"></span></span> <span id="knob-result">0</span></p>
<p><label for="note">Anteckning</label> <input id="note" value="förifylld text"> <span id="note-result"></span></p>
<p><label for="keys">Kortkommando</label> <input id="keys"> <span id="keys-result"></span></p>
<p><label for="langs">Språk</label>
  <select id="langs" multiple size="4">
    <option value="sv" selected>Svenska</option><option value="en">Engelska</option>
    <option value="fi">Finska</option><option value="ar">  Arabiska
      (modern standard)</option>
  </select> <span id="langs-result">sv</span></p>
<p><button id="late" style="display: none">Spara</button> <button id="covered">Skicka</button>
   <button id="locked" disabled>Låst</button> <span id="button-result"></span></p>
<p><a id="rel" href="lab/other">Relativ länk</a> <span id="hidden-note" style="display: none">Dold text</span></p>
<div id="blocks"><p>Rad ett</p>

<p>Rad två</p></div>
<p><input type="checkbox" id="agree"> <label for="agree">Jag godkänner</label></p>
<table id="cases"><tr><td>12</td><td>Åsa</td></tr><tr><td>17</td><td>Per</td></tr></table>
<p id="case-result"></p>
<div id="overlay">Laddar …</div>
<script>
  const show = (id, text) => { document.getElementById(id).textContent = text; };
  document.getElementById('dbl').addEventListener('dblclick', () => show('dbl-result', 'Öppnad'));
  document.getElementById('ctx').addEventListener('contextmenu', e => { e.preventDefault(); show('ctx-result', 'Meny öppnad'); });
  const card = document.getElementById('card'), bin = document.getElementById('bin');
  card.addEventListener('dragstart', e => e.dataTransfer.setData('text/plain', card.id));
  bin.addEventListener('dragover', e => e.preventDefault());
  bin.addEventListener('drop', e => { e.preventDefault(); bin.appendChild(card); show('bin-result', 'Flyttad: ' + card.textContent); });
  const knob = document.getElementById('knob');
  let dragging = null;
  knob.addEventListener('mousedown', e => { dragging = e.clientX - knob.offsetLeft; e.preventDefault(); });
  document.addEventListener('mousemove', e => { if (dragging !== null) knob.style.left = Math.max(0, e.clientX - dragging) + 'px'; });
  document.addEventListener('mouseup', () => { if (dragging !== null) { dragging = null; show('knob-result', parseInt(knob.style.left || '0', 10) > 50 ? 'långt' : 'kort'); } });
  const note = document.getElementById('note');
  note.addEventListener('input', () => show('note-result', note.value === '' ? 'tom' : 'ändrad'));
  document.getElementById('keys').addEventListener('keydown', e => {
    if (e.ctrlKey && e.key.toLowerCase() === 'k') show('keys-result', 'Ctrl+K');
    if (e.key === 'F2') show('keys-result', 'F2');
  });
  const langs = document.getElementById('langs');
  langs.addEventListener('change', () => show('langs-result', Array.from(langs.selectedOptions).map(o => o.value).join(',')));
  setTimeout(() => { document.getElementById('late').style.display = ''; }, 400);
  setTimeout(() => document.getElementById('overlay').remove(), 700);
  for (const row of document.querySelectorAll('#cases tr')) {
    row.addEventListener('click', () => show('case-result', 'Vald: ' + row.cells[0].textContent));
  }
  for (const id of ['late', 'covered', 'locked']) {
    document.getElementById(id).addEventListener('click', () => show('button-result', id));
  }
</script>
</body></html>"#;

const OTHER: &str = r#"<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><title>Rapporter</title></head>
<body><h1>Rapporter</h1><p id="visits"></p>
<script>
  const n = Number(sessionStorage.getItem('visits') || 0) + 1;
  sessionStorage.setItem('visits', n);
  document.getElementById('visits').textContent = 'Besök ' + n;
</script></body></html>"#;

const FRAMES: &str = r#"<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><title>Ramar</title></head>
<frameset cols="30%,70%"><frame name="left" src="about:blank"><frame name="work" src="/lab/frames/outer"></frameset></html>"#;

const OUTER: &str = r#"<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><title>Yttre</title></head>
<body><h1 id="where">Yttre ramen</h1><iframe name="inner" src="/lab/frames/inner"></iframe></body></html>"#;

const INNER: &str = r#"<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><title>Inre</title></head>
<body><h1 id="where">Inre ramen</h1></body></html>"#;
