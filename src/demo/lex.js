// Lex, the environmental office's case system: the app in the page. Every
// field is a custom element with its input in an open shadow root; the
// router draws a view per address and moves with history.pushState.
'use strict';

let user = document.body.dataset.user;
const TOAST_MS = Number(document.body.dataset.toastMs);
const ACTIVITIES = ['Servering', 'Butik', 'Tillverkning', 'Catering'];
const FIELD_STYLE = '<style>:host{display:block;margin:.5rem 0}input{font:inherit;padding:.2rem;width:22rem}' +
  '.hint{color:#b00;font-size:.9rem}ul{list-style:none;margin:0;padding:0;border:1px solid #aaa;width:22rem}' +
  'ul:empty{display:none}li{padding:.2rem}li:hover{background:#dde}.chip{background:#dfe8df;margin-right:.3rem;' +
  'padding:.1rem .4rem}</style>';

// ---- talking to the server ----

class LoggedOut extends Error {}

async function api(method, path, body) {
  const headers = body && !(body instanceof FormData) ? { 'content-type': 'application/json' } : {};
  const answer = await fetch(path, { method, headers, body: body instanceof FormData ? body : body && JSON.stringify(body) });
  if (answer.status === 401 && path !== '/api/login') {
    user = '';
    go('/login?next=' + encodeURIComponent(location.pathname));
    throw new LoggedOut();
  }
  return answer;
}

function toast(text, kind) {
  const t = document.createElement('div');
  t.className = 'toast' + (kind ? ' ' + kind : '');
  t.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  t.textContent = text;
  document.getElementById('toasts').append(t);
  setTimeout(() => t.remove(), TOAST_MS);
}

// ---- the components ----

// A text field. Component libraries label their inner input in different
// ways, and so do these: by the host's `label` attribute alone (no label
// inside), by a <label> inside the shadow root (`labelled=inner`), or by an
// element outside named in `labelledby` (`labelled=outer`).
class LexField extends HTMLElement {
  connectedCallback() {
    if (this.shadowRoot) return;
    const root = this.attachShadow({ mode: 'open' });
    const how = this.getAttribute('labelled');
    root.innerHTML = FIELD_STYLE + (how === 'inner' ? '<label for=i></label><br>' : '') +
      '<input id=i><div class=hint hidden></div>';
    const input = root.getElementById('i');
    if (how === 'inner') root.querySelector('label').textContent = this.getAttribute('label');
    if (how === 'outer') input.setAttribute('aria-labelledby', this.getAttribute('labelledby'));
    if (this.getAttribute('kind') === 'date') input.placeholder = 'ÅÅÅÅ-MM-DD';
    input.addEventListener('change', () => this.check());
  }
  get value() { return this.shadowRoot.getElementById('i').value.trim(); }
  // Inline validation, as the field is left.
  check() {
    const hint = this.shadowRoot.querySelector('.hint');
    const kind = this.getAttribute('kind');
    let wrong = '';
    if (kind === 'orgnr' && this.value && !/^\d{6}-\d{4}$/.test(this.value)) wrong = 'Skriv organisationsnumret som NNNNNN-NNNN.';
    if (kind === 'date' && this.value && !/^\d{4}-\d{2}-\d{2}$/.test(this.value)) wrong = 'Skriv datumet som ÅÅÅÅ-MM-DD.';
    hint.textContent = wrong;
    hint.hidden = !wrong;
    return !wrong;
  }
}

// A combobox that asks the server for property designations once three
// characters are typed; the answer comes 200-600 ms later.
class LexCombobox extends HTMLElement {
  connectedCallback() {
    if (this.shadowRoot) return;
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML = FIELD_STYLE + '<label for=q></label><br><input id=q role=combobox aria-autocomplete=list ' +
      'aria-expanded=false aria-controls=lb autocomplete=off><ul id=lb role=listbox></ul>';
    root.querySelector('label').textContent = this.getAttribute('label');
    const q = root.getElementById('q'), lb = root.getElementById('lb');
    this.chosen = '';
    let asked = 0;
    q.addEventListener('input', () => {
      this.chosen = '';
      lb.replaceChildren();
      const text = q.value, ask = ++asked;
      if (text.length < 3) return;
      lb.setAttribute('aria-busy', 'true');
      setTimeout(async () => {
        if (ask !== asked) return;
        let found;
        try { found = await (await api('GET', '/api/properties?q=' + encodeURIComponent(text))).json(); } catch (e) { return; }
        if (ask !== asked) return;
        lb.removeAttribute('aria-busy');
        q.setAttribute('aria-expanded', 'true');
        if (!found.length) lb.append(Object.assign(document.createElement('li'), { textContent: 'Ingen fastighet matchar.' }));
        for (const name of found) {
          const li = document.createElement('li');
          li.setAttribute('role', 'option');
          li.textContent = name;
          li.addEventListener('click', () => {
            this.chosen = name;
            q.value = name;
            lb.replaceChildren();
            q.setAttribute('aria-expanded', 'false');
          });
          lb.append(li);
        }
      }, 100);
    });
  }
  get value() { return this.chosen; }
}

// Activities as chips: type, pick from the list, and the pick becomes a chip.
class LexChips extends HTMLElement {
  connectedCallback() {
    if (this.shadowRoot) return;
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML = FIELD_STYLE + '<label for=q></label><div id=chips></div><input id=q role=combobox ' +
      'aria-controls=lb autocomplete=off><ul id=lb role=listbox></ul>';
    root.querySelector('label').textContent = this.getAttribute('label');
    const q = root.getElementById('q'), lb = root.getElementById('lb'), chips = root.getElementById('chips');
    this.picked = [];
    q.addEventListener('input', () => {
      lb.replaceChildren();
      const text = q.value.toLowerCase();
      if (!text) return;
      for (const a of ACTIVITIES.filter(a => a.toLowerCase().includes(text) && !this.picked.includes(a))) {
        const li = document.createElement('li');
        li.setAttribute('role', 'option');
        li.textContent = a;
        li.addEventListener('click', () => {
          this.picked.push(a);
          const chip = document.createElement('span');
          chip.className = 'chip';
          chip.textContent = a + ' ';
          const remove = document.createElement('button');
          remove.setAttribute('aria-label', 'Ta bort ' + a);
          remove.textContent = '×';
          remove.addEventListener('click', () => { this.picked = this.picked.filter(p => p !== a); chip.remove(); });
          chip.append(remove);
          chips.append(chip);
          q.value = '';
          lb.replaceChildren();
        });
        lb.append(li);
      }
    });
  }
  get value() { return this.picked; }
}

class LexUpload extends HTMLElement {
  connectedCallback() {
    if (this.shadowRoot) return;
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML = FIELD_STYLE + '<label for=f></label><br><input type=file id=f accept=.pdf>';
    root.querySelector('label').textContent = this.getAttribute('label');
  }
  get file() { return this.shadowRoot.getElementById('f').files[0]; }
}

customElements.define('lex-field', LexField);
customElements.define('lex-combobox', LexCombobox);
customElements.define('lex-chips', LexChips);
customElements.define('lex-upload', LexUpload);

// ---- the views ----

const view = document.getElementById('view');
const esc = (t) => String(t).replace(/[&<>"']/g, c => '&#' + c.charCodeAt(0) + ';');

function loginView() {
  view.innerHTML = '<h1>Logga in i Lex</h1><div id=login-error class=error-summary role=alert hidden></div>' +
    '<p><label for=u>Användarnamn</label><br><input id=u autocomplete=username></p>' +
    '<p><label for=p>Lösenord</label><br><input id=p type=password></p><p><button id=login>Logga in</button></p>';
  document.getElementById('login').addEventListener('click', async () => {
    const answer = await api('POST', '/api/login', { username: document.getElementById('u').value, password: document.getElementById('p').value });
    if (!answer.ok) {
      const error = document.getElementById('login-error');
      error.textContent = (await answer.json()).error;
      error.hidden = false;
      return;
    }
    user = (await answer.json()).user;
    const next = new URLSearchParams(location.search).get('next');
    go(next && next.startsWith('/') && next !== '/login' ? next : '/cases');
  });
}

function newCaseView() {
  view.innerHTML = '<h1>Nytt ärende: registrering av livsmedelsanläggning</h1>' +
    '<div id=summary class=error-summary role=alert hidden></div>' +
    '<lex-field name=company label="Företagets namn"></lex-field>' +
    '<lex-field name=orgnr label=Organisationsnummer labelled=inner kind=orgnr></lex-field>' +
    '<span id=address-label>Anläggningens adress</span><lex-field name=address labelled=outer labelledby=address-label></lex-field>' +
    '<lex-combobox name=property label=Fastighetsbeteckning></lex-combobox>' +
    '<lex-chips name=activities label=Verksamhet></lex-chips>' +
    '<lex-field name=received label=Inkom labelled=inner kind=date></lex-field>' +
    '<lex-field name=errand aria-label=E-tjänstärende></lex-field>' +
    '<lex-upload name=plan label=Planritning></lex-upload>' +
    '<p><button id=save>Registrera ärende</button></p>' +
    '<dialog id=confirm aria-labelledby=confirm-title><h2 id=confirm-title>Registrera ärendet?</h2>' +
    '<p id=confirm-text></p><button id=cancel>Avbryt</button> <button id=ok>Bekräfta</button></dialog>';
  const field = (name) => view.querySelector('[name=' + name + ']');
  const summary = document.getElementById('summary'), dialog = document.getElementById('confirm');
  const wrong = (errors) => {
    summary.replaceChildren(Object.assign(document.createElement('p'), { textContent: 'Rätta följande:' }),
      ...errors.map(e => Object.assign(document.createElement('p'), { textContent: e })));
    summary.hidden = false;
  };
  document.getElementById('save').addEventListener('click', () => {
    const errors = [];
    if (!field('company').value) errors.push('Företagets namn saknas.');
    if (!field('orgnr').check()) errors.push('Organisationsnumret har fel form.');
    if (!field('property').value) errors.push('Välj en fastighet i listan.');
    if (!field('activities').value.length) errors.push('Välj minst en verksamhet.');
    if (!field('plan').file) errors.push('Bifoga planritningen.');
    if (errors.length) return wrong(errors);
    summary.hidden = true;
    document.getElementById('confirm-text').textContent = 'Ärendet för ' + field('company').value + ' registreras i Lex.';
    dialog.showModal();
  });
  document.getElementById('cancel').addEventListener('click', () => dialog.close());
  document.getElementById('ok').addEventListener('click', async () => {
    dialog.close();
    // A new try: the last one's error goes.
    for (const old of document.querySelectorAll('.toast.error')) old.remove();
    const form = new FormData();
    for (const name of ['company', 'orgnr', 'address', 'property', 'received', 'errand']) form.append(name, field(name).value);
    for (const a of field('activities').value) form.append('activity', a);
    form.append('plan', field('plan').file);
    let answer;
    try { answer = await api('POST', '/api/cases', form); } catch (e) { return; }
    const body = await answer.json();
    if (answer.status === 201) {
      toast('Ärendet registrerat: ' + body.dnr);
      go('/cases/' + body.dnr);
    } else if (answer.status === 422) {
      wrong(body.errors);
    } else {
      toast('Tekniskt fel: ärendet kunde inte sparas (' + body.error + ') Försök igen.', 'error');
    }
  });
}

// The case list: every case is loaded, only the rows in view are drawn.
async function listView() {
  view.innerHTML = '<h1>Ärenden</h1><p><label for=filter>Sök ärende</label> <input id=filter type=search></p>' +
    '<div role=grid aria-label=Ärenden aria-busy=true><div role=row><span role=columnheader>Diarienummer</span>' +
    '<span role=columnheader>Företag</span><span role=columnheader>Org.nr</span><span role=columnheader>Fastighet</span>' +
    '<span role=columnheader>E-tjänstärende</span></div><div id=rows style="height:360px;overflow:auto">' +
    '<div id=space style="position:relative"></div></div></div><p id=count role=status></p>';
  const grid = view.querySelector('[role=grid]'), rows = document.getElementById('rows');
  const space = document.getElementById('space'), count = document.getElementById('count');
  const filter = document.getElementById('filter');
  let all = [], shown = [];
  const draw = () => {
    const first = Math.max(0, Math.floor(rows.scrollTop / 30) - 3);
    space.style.height = shown.length * 30 + 'px';
    space.innerHTML = shown.slice(first, first + 18).map((c, i) =>
      '<div role=row aria-rowindex=' + (first + i + 2) + ' style="position:absolute;width:100%;top:' + (first + i) * 30 + 'px">' +
      '<span role=gridcell><a href="/cases/' + esc(c.dnr) + '" data-route>' + esc(c.dnr) + '</a></span>' +
      [c.company, c.orgnr, c.property, c.errand].map(v => '<span role=gridcell>' + esc(v) + '</span>').join('') + '</div>').join('');
  };
  const apply = () => {
    const text = filter.value.trim().toLowerCase();
    shown = all.filter(c => !text || [c.dnr, c.company, c.orgnr, c.errand].some(v => v.toLowerCase().includes(text)));
    rows.scrollTop = 0;
    count.textContent = shown.length ? shown.length + ' ärenden' : 'Inga ärenden matchar.';
    draw();
  };
  rows.addEventListener('scroll', draw);
  filter.addEventListener('input', () => { if (!grid.hasAttribute('aria-busy')) apply(); });
  try { all = await (await api('GET', '/api/cases')).json(); } catch (e) { return; }
  grid.setAttribute('aria-rowcount', all.length + 1);
  grid.removeAttribute('aria-busy');
  apply();
}

async function caseView(dnr) {
  view.innerHTML = '<h1>Ärende ' + esc(dnr) + '</h1><p>Hämtar …</p>';
  let all;
  try { all = await (await api('GET', '/api/cases')).json(); } catch (e) { return; }
  const c = all.find(c => c.dnr === dnr);
  view.innerHTML = '<h1>Ärende ' + esc(dnr) + '</h1>' + (!c ? '<p>Ärendet finns inte.</p>' : '<dl>' +
    [['Företag', c.company], ['Organisationsnummer', c.orgnr], ['Fastighet', c.property], ['Verksamhet', c.activities.join(', ')],
     ['Inkom', c.received], ['E-tjänstärende', c.errand]].map(([k, v]) => '<dt>' + k + '</dt><dd>' + esc(v) + '</dd>').join('') + '</dl>');
}

// ---- the router ----

function go(path) {
  history.pushState(null, '', path);
  draw();
}

function draw() {
  const path = location.pathname;
  if (!user && path !== '/login') {
    history.replaceState(null, '', '/login?next=' + encodeURIComponent(path));
    return loginView();
  }
  if (path === '/login') return loginView();
  if (path === '/cases/new') return newCaseView();
  if (path.startsWith('/cases/')) return caseView(decodeURIComponent(path.slice('/cases/'.length)));
  if (path !== '/cases') history.replaceState(null, '', '/cases');
  return listView();
}

addEventListener('popstate', draw);
document.addEventListener('click', (e) => {
  const link = e.target.closest('a[data-route]');
  if (!link) return;
  e.preventDefault();
  go(link.getAttribute('href'));
});
draw();
