// The lead explorer of report.html: reads the run's leads from the JSON block
// #explorer-data and builds filters, a sortable table and a detail panel. Every node is
// made with createElement and textContent: lead fields and model answers are shown as
// text, never parsed as HTML. No network, no eval. Timings (performance.now()) are kept in
// the section's data attributes for scripts/bench-explorer.sh.
(function () {
  'use strict';
  var section = document.getElementById('explorer');
  var root = document.getElementById('explorer-app');
  var source = document.getElementById('explorer-data');
  if (!section || !root || !source) { return; }
  var D = JSON.parse(source.textContent);
  var S = D.scorers, T = D.texts, ST = D.statuses, LEADS = D.leads;
  var LABELS = ['low', 'medium', 'high'];
  var PAGE = 200;
  // Positions in a lead's array (see src/report/explorer/mod.rs, `wire`).
  var ID = 0, COMPANY = 1, TITLE = 2, SIZE = 3, SENIORITY = 4, SOURCE = 5, ARCHETYPE = 6,
    DIFFICULTY = 7, GOLD = 8, GOLD_SCORE = 9, CONVERTED = 10, DEAL = 11, MESSAGE = 12,
    ANSWERS = 13, ENRICHMENT = 14;
  var NOT_ASKED = ST.indexOf('not asked'), OK = ST.indexOf('ok');

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function answer(lead, s) { return lead[ANSWERS][s] || [NOT_ASKED]; }
  function val(a, k) { return a[k] === undefined ? null : a[k]; }
  function label(a) { return val(a, 1); }
  function score(a) { return val(a, 2); }
  function asked(a) { return a[0] !== NOT_ASKED; }
  function text(a, k) { var i = val(a, k); return i === null ? '' : T[i]; }
  function show(x) { return x === null || x === undefined || x === '' ? '—' : String(x); }
  function answerText(a) {
    if (label(a) !== null) {
      return LABELS[label(a)] + ' ' + score(a) + (a[0] === OK ? '' : ' (' + ST[a[0]] + ')');
    }
    return ST[a[0]];
  }

  // Columns: a name, the cell's text and its sort key (null sorts last).
  var columns = [
    { name: 'lead', text: function (l) { return l[ID]; }, key: function (l) { return l[ID]; } },
    { name: 'company', text: function (l) { return l[COMPANY]; }, key: function (l) { return l[COMPANY].toLowerCase(); } },
    { name: 'job title', text: function (l) { return l[TITLE]; }, key: function (l) { return l[TITLE].toLowerCase(); } },
    { name: 'size', text: function (l) { return l[SIZE]; }, key: function (l) { return l[SIZE]; } },
    { name: 'seniority', text: function (l) { return show(l[SENIORITY]); }, key: function (l) { return l[SENIORITY] || null; } },
    { name: 'source', text: function (l) { return l[SOURCE]; }, key: function (l) { return l[SOURCE]; } },
    { name: 'archetype', text: function (l) { return show(l[ARCHETYPE]); }, key: function (l) { return l[ARCHETYPE] || null; } },
    { name: 'difficulty', text: function (l) { return show(l[DIFFICULTY]); }, key: function (l) { return l[DIFFICULTY] || null; } },
    { name: 'gold', text: function (l) { return l[GOLD] === null ? '—' : LABELS[l[GOLD]]; }, key: function (l) { return l[GOLD]; } },
    { name: 'gold score', num: true, text: function (l) { return show(l[GOLD_SCORE]); }, key: function (l) { return l[GOLD_SCORE]; } },
    { name: 'converted', text: function (l) { return l[CONVERTED] === null ? '—' : (l[CONVERTED] ? 'yes' : 'no'); }, key: function (l) { return l[CONVERTED] === null ? null : +l[CONVERTED]; } },
    { name: 'deal value', num: true, text: function (l) { return show(l[DEAL]); }, key: function (l) { return l[DEAL]; } }
  ];
  S.forEach(function (id, s) {
    columns.push({
      name: id, scorer: s,
      text: function (l) { return answerText(answer(l, s)); },
      key: function (l) { return score(answer(l, s)); }
    });
  });

  // Filters. Each returns whether a lead passes, given the control's value.
  function disagreeAny(l) {
    var seen = null;
    for (var s = 0; s < S.length; s++) {
      var x = label(answer(l, s));
      if (x === null) { continue; }
      if (seen === null) { seen = x; } else if (seen !== x) { return true; }
    }
    return false;
  }
  function disagreePair(l, i, j) {
    var a = label(answer(l, i)), b = label(answer(l, j));
    return a !== null && b !== null && a !== b;
  }
  function wrong(l, s) {
    var a = answer(l, s);
    return l[GOLD] !== null && asked(a) && label(a) !== l[GOLD];
  }
  function outside(l, s) { return l[CONVERTED] === true && val(answer(l, s), 3) === 0; }
  function notOk(l, s) { var a = answer(l, s); return asked(a) && a[0] !== OK; }
  var hay = [];
  function haystack(i) {
    if (hay[i] === undefined) {
      var l = LEADS[i];
      var parts = [l[ID], l[COMPANY], l[TITLE], l[MESSAGE], l[ARCHETYPE]];
      for (var s = 0; s < S.length; s++) {
        var a = answer(l, s);
        parts.push(text(a, 4), text(a, 5), text(a, 6));
      }
      hay[i] = parts.join('\n').toLowerCase();
    }
    return hay[i];
  }

  var state = { sort: null, desc: false, shown: PAGE, open: null };
  var view = [];
  var controls = {};

  function select(name, title, options) {
    var wrap = el('label', 'ex-control');
    wrap.appendChild(el('span', null, title));
    var sel = el('select');
    sel.setAttribute('data-filter', name);
    options.forEach(function (o) {
      var opt = el('option', null, o[1]);
      opt.value = o[0];
      sel.appendChild(opt);
    });
    sel.addEventListener('change', apply);
    controls[name] = sel;
    wrap.appendChild(sel);
    return wrap;
  }
  function values(k) {
    var seen = {};
    LEADS.forEach(function (l) { seen[l[k]] = true; });
    return Object.keys(seen).sort().map(function (v) { return [v, v === '' ? 'unknown' : v]; });
  }
  var scorerOptions = S.map(function (id, s) { return [String(s), id]; });
  var pairOptions = [];
  for (var i = 0; i < S.length; i++) {
    for (var j = i + 1; j < S.length; j++) {
      pairOptions.push([i + ',' + j, S[i] + ' vs ' + S[j]]);
    }
  }
  var bar = el('div', 'ex-filters');
  bar.appendChild(select('disagree', 'scorers disagree', [['', 'off'], ['any', 'any two']].concat(pairOptions)));
  bar.appendChild(select('wrong', 'wrong against gold', [['', 'off']].concat(scorerOptions)));
  bar.appendChild(select('outside', 'converters outside the capacity cut of', [['', 'off']].concat(scorerOptions)));
  bar.appendChild(select('notok', 'status ≠ ok', [['', 'off'], ['any', 'any scorer']].concat(scorerOptions)));
  bar.appendChild(select('archetype', 'archetype', [['', 'all']].concat(values(ARCHETYPE))));
  bar.appendChild(select('difficulty', 'difficulty', [['', 'all']].concat(values(DIFFICULTY))));
  bar.appendChild(select('size', 'size band', [['', 'all']].concat(values(SIZE))));
  bar.appendChild(select('seniority', 'seniority', [['', 'all']].concat(values(SENIORITY))));
  bar.appendChild(select('source', 'source', [['', 'all']].concat(values(SOURCE))));
  if (D.marks.length > 0) {
    bar.appendChild(select('mark', 'marked', [['', 'all']].concat(D.marks.map(function (m, k) { return [String(k), m.name]; }))));
  }
  var searchWrap = el('label', 'ex-control');
  searchWrap.appendChild(el('span', null, 'search'));
  var search = el('input');
  search.type = 'search';
  search.id = 'explorer-search';
  search.placeholder = 'lead id, company, message, answer…';
  search.addEventListener('input', apply);
  searchWrap.appendChild(search);
  bar.appendChild(searchWrap);
  var reset = el('button', null, 'clear filters');
  reset.type = 'button';
  reset.addEventListener('click', function () {
    Object.keys(controls).forEach(function (k) { controls[k].value = ''; });
    search.value = '';
    apply();
  });
  bar.appendChild(reset);
  root.appendChild(bar);
  if (D.sample) { root.appendChild(el('p', 'ex-sample', D.sample)); }
  var count = el('p', 'ex-count');
  count.id = 'explorer-count';
  root.appendChild(count);
  var detail = el('div', 'ex-detail');
  detail.id = 'explorer-detail';
  detail.hidden = true;
  root.appendChild(detail);
  var scroller = el('div', 'ex-table');
  var table = el('table');
  var thead = el('thead');
  var headRow = el('tr');
  columns.forEach(function (c, k) {
    var th = el('th', c.num || c.scorer !== undefined ? 'num' : null, c.name);
    th.title = 'sort by ' + c.name + (c.scorer !== undefined ? ' (score)' : '');
    th.addEventListener('click', function () {
      state.desc = state.sort === k ? !state.desc : c.scorer !== undefined;
      state.sort = k;
      apply();
    });
    headRow.appendChild(th);
  });
  thead.appendChild(headRow);
  table.appendChild(thead);
  var tbody = el('tbody');
  tbody.id = 'explorer-rows';
  table.appendChild(tbody);
  scroller.appendChild(table);
  root.appendChild(scroller);
  var more = el('button', 'ex-more');
  more.type = 'button';
  more.addEventListener('click', function () { state.shown += PAGE; render(); });
  root.appendChild(more);

  function passes(i) {
    var l = LEADS[i], v;
    v = controls.disagree.value;
    if (v === 'any' && !disagreeAny(l)) { return false; }
    if (v && v !== 'any') {
      var p = v.split(',');
      if (!disagreePair(l, +p[0], +p[1])) { return false; }
    }
    v = controls.wrong.value;
    if (v && !wrong(l, +v)) { return false; }
    v = controls.outside.value;
    if (v && !outside(l, +v)) { return false; }
    v = controls.notok.value;
    if (v === 'any') {
      var any = false;
      for (var s = 0; s < S.length && !any; s++) { any = notOk(l, s); }
      if (!any) { return false; }
    } else if (v && !notOk(l, +v)) { return false; }
    var fields = [['archetype', ARCHETYPE], ['difficulty', DIFFICULTY], ['size', SIZE],
      ['seniority', SENIORITY], ['source', SOURCE]];
    for (var f = 0; f < fields.length; f++) {
      var c = controls[fields[f][0]];
      if (c.selectedIndex > 0 && l[fields[f][1]] !== c.value) { return false; }
    }
    return true;
  }

  function apply() {
    var t = performance.now();
    var q = search.value.trim().toLowerCase();
    var marked = null;
    if (controls.mark && controls.mark.value !== '') {
      marked = {};
      D.marks[+controls.mark.value].leads.forEach(function (k) { marked[k] = true; });
    }
    view = [];
    for (var i = 0; i < LEADS.length; i++) {
      if (marked && !marked[i]) { continue; }
      if (!passes(i)) { continue; }
      if (q && haystack(i).indexOf(q) < 0) { continue; }
      view.push(i);
    }
    if (state.sort !== null) {
      var key = columns[state.sort].key, sign = state.desc ? -1 : 1;
      var keys = {};
      view.forEach(function (k) { keys[k] = key(LEADS[k]); });
      view.sort(function (a, b) {
        var x = keys[a], y = keys[b];
        if (x === null || x === undefined) { return y === null || y === undefined ? a - b : 1; }
        if (y === null || y === undefined) { return -1; }
        if (x < y) { return -sign; }
        if (x > y) { return sign; }
        return a - b;
      });
    }
    state.shown = PAGE;
    render();
    section.setAttribute('data-filter-ms', (performance.now() - t).toFixed(1));
  }

  function render() {
    while (tbody.firstChild) { tbody.removeChild(tbody.firstChild); }
    var frag = document.createDocumentFragment();
    var n = Math.min(view.length, state.shown);
    for (var r = 0; r < n; r++) { frag.appendChild(row(view[r])); }
    tbody.appendChild(frag);
    var held = LEADS.length;
    count.textContent = 'showing ' + view.length + ' of ' + held + ' leads' +
      (held < D.n_evaluated ? ' (a sample of ' + D.n_evaluated + ' evaluated)' : '') +
      (n < view.length ? '; the first ' + n + ' are listed' : '');
    section.setAttribute('data-matching', String(view.length));
    section.setAttribute('data-listed', String(n));
    more.hidden = n >= view.length;
    more.textContent = 'list ' + Math.min(PAGE, view.length - n) + ' more';
  }

  function row(i) {
    var l = LEADS[i];
    var tr = el('tr');
    tr.setAttribute('data-lead', l[ID]);
    columns.forEach(function (c, k) {
      var td = el('td', c.num || c.scorer !== undefined ? 'num' : null);
      if (k === 0) {
        var a = el('a', null, l[ID]);
        a.href = '#lead-' + encodeURIComponent(l[ID]);
        td.appendChild(a);
      } else {
        td.textContent = c.text(l);
        if (c.scorer !== undefined) {
          var st = answer(l, c.scorer)[0];
          if (st !== OK) { td.className += ' ex-' + ST[st].replace(/[^a-z]/g, '-'); }
        }
      }
      tr.appendChild(td);
    });
    tr.addEventListener('click', function (ev) {
      if (ev.target && ev.target.tagName === 'A') { return; }
      location.hash = 'lead-' + encodeURIComponent(l[ID]);
    });
    return tr;
  }

  var byId = {};
  LEADS.forEach(function (l, i) { byId[l[ID]] = i; });

  function open(i) {
    var l = LEADS[i];
    state.open = i;
    while (detail.firstChild) { detail.removeChild(detail.firstChild); }
    var head = el('div', 'ex-detail-head');
    head.appendChild(el('h3', null, 'Lead ' + l[ID]));
    var close = el('button', null, 'close');
    close.type = 'button';
    close.addEventListener('click', function () {
      detail.hidden = true;
      history.replaceState(null, '', location.pathname + location.search);
    });
    head.appendChild(close);
    detail.appendChild(head);
    var dl = el('dl', 'ex-fields');
    columns.forEach(function (c, k) {
      if (k === 0 || c.scorer !== undefined) { return; }
      dl.appendChild(el('dt', null, c.name));
      dl.appendChild(el('dd', null, c.text(l)));
    });
    if (l[ENRICHMENT]) {
      dl.appendChild(el('dt', null, 'enrichment'));
      dl.appendChild(el('dd', null, l[ENRICHMENT]));
    }
    detail.appendChild(dl);
    detail.appendChild(el('h4', null, 'message'));
    detail.appendChild(el('div', 'ex-text ex-message', l[MESSAGE]));
    var cards = el('div', 'ex-cards');
    S.forEach(function (id, s) {
      var a = answer(l, s);
      var card = el('div', 'ex-card');
      card.setAttribute('data-scorer', id);
      card.appendChild(el('h4', null, id));
      var line = answerText(a);
      var cut = val(a, 3);
      if (cut !== null) { line += cut ? ' · inside the capacity cut' : ' · outside the capacity cut'; }
      card.appendChild(el('p', 'ex-answer', line));
      var parts = [[4, 'justification'], [5, 'error'], [6, 'raw answer']];
      parts.forEach(function (p) {
        var body = text(a, p[0]);
        if (!body || (p[0] === 6 && label(a) !== null)) { return; }
        card.appendChild(el('h5', null, p[1]));
        card.appendChild(el('div', 'ex-text ex-' + p[1].replace(' ', '-'), body));
      });
      if (a[0] === NOT_ASKED) {
        card.appendChild(el('p', 'ex-note', 'This scorer was asked about a sample of the leads, not this one.'));
      } else if (ST[a[0]] === 'missing') {
        card.appendChild(el('p', 'ex-note', 'No prediction for this lead in predictions.csv.'));
      }
      cards.appendChild(card);
    });
    detail.appendChild(cards);
    detail.hidden = false;
  }

  function fromHash() {
    var h = location.hash;
    if (h.indexOf('#lead-') !== 0) { return; }
    var id;
    try { id = decodeURIComponent(h.slice(6)); } catch (e) { return; }
    if (Object.prototype.hasOwnProperty.call(byId, id)) {
      open(byId[id]);
      detail.scrollIntoView({ block: 'nearest' });
    }
  }
  window.addEventListener('hashchange', fromHash);

  apply();
  section.setAttribute('data-first-rows-ms', performance.now().toFixed(1));
  fromHash();
})();
