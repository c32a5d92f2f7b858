// dramabot's page. Every piece of document or user text goes into the DOM
// through textContent or text nodes, never as markup: passages are quoted
// from outside documents, and the page's Content-Security-Policy enforces
// Trusted Types, so an innerHTML assignment would throw anyway.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);

  // el builds an element; children are nodes or strings (text nodes).
  function el(tag, className, ...children) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    e.append(...children);
    return e;
  }

  // safeURL keeps http(s) links only, so a source URL such as
  // "javascript:..." never becomes a live link.
  function safeURL(u) {
    if (!u) return null;
    try {
      const url = new URL(u, location.href);
      return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function sourceLine(item, marker) {
    const line = el('div', 'source');
    if (marker) line.append(el('span', 'marker', '[' + marker + ']'), ' ');
    const title = item.title || '(untitled)';
    const href = safeURL(item.url);
    if (href) {
      const a = el('a', 'title', title);
      a.href = href;
      a.rel = 'noopener noreferrer';
      a.target = '_blank';
      line.append(a);
    } else {
      line.append(el('span', 'title', title));
    }
    const parts = [item.publisher, item.date, item.paragraph > 0 ? 'paragraph ' + item.paragraph : '']
      .filter(Boolean);
    if (parts.length) line.append(', ' + parts.join(', '));
    return line;
  }

  const isDigit = (c) => c >= '0' && c <= '9';

  // highlight returns text as nodes, each occurrence of a figure wrapped in
  // <mark>. Longer figures win over figures inside them, and a figure must
  // not be part of a longer number ("647,000" in "1,647,000").
  function highlight(text, figures) {
    const needles = [...new Set(figures.filter(Boolean))].sort((a, b) => b.length - a.length);
    const ranges = [];
    for (const n of needles) {
      for (let i = text.indexOf(n); i !== -1; i = text.indexOf(n, i + 1)) {
        const end = i + n.length;
        if (isDigit(n[0]) && i > 0 && (isDigit(text[i - 1]) || /[.,]/.test(text[i - 1]) && isDigit(text[i - 2] || ''))) continue;
        if (isDigit(n[n.length - 1]) && end < text.length && isDigit(text[end])) continue;
        if (ranges.some(([s, e]) => i < e && end > s)) continue;
        ranges.push([i, end]);
      }
    }
    ranges.sort((a, b) => a[0] - b[0]);
    const frag = document.createDocumentFragment();
    let pos = 0;
    for (const [s, e] of ranges) {
      frag.append(text.slice(pos, s), el('mark', '', text.slice(s, e)));
      pos = e;
    }
    frag.append(text.slice(pos));
    return frag;
  }

  // answerText links the citation markers ("[1]") of the answer to its sources.
  function answerText(text, citations) {
    const known = new Set(citations.map((c) => c.n));
    const frag = document.createDocumentFragment();
    const re = /\[(\d+)\]/g;
    let pos = 0;
    let m;
    while ((m = re.exec(text)) !== null) {
      const n = Number(m[1]);
      if (!known.has(n)) continue;
      frag.append(text.slice(pos, m.index));
      const a = el('a', 'marker', m[0]);
      a.href = '#cite-' + n;
      frag.append(a);
      pos = m.index + m[0].length;
    }
    frag.append(text.slice(pos));
    return frag;
  }

  const hasCJK = (s) => /[\u3400-\u9fff]/.test(s || '');

  // figureTable fills a table with rows of figures: who produced each,
  // who published it, when, and the figure as the source writes it.
  function figureTable(table, rows, zh, caption) {
    const head = zh ? ['来源', '发布方', '日期', '数据'] : ['Producer', 'Publisher', 'Date', 'Figure'];
    const cap = document.createElement('caption');
    cap.textContent = caption;
    const thead = el('thead', '', el('tr', '', ...head.map((h) => el('th', '', h))));
    const tbody = el('tbody', '', ...rows.map((r) => {
      const src = r.source || {};
      let producer = src.producer || '';
      if (/^(not named|unnamed)/i.test(producer)) producer = '';
      const period = r.period && r.period.label ? ' (' + r.period.label + ')' : '';
      return el('tr', '', el('td', '', producer || src.publisher || ''), el('td', '', src.publisher || ''),
        el('td', '', src.date || ''), el('td', 'figure', (r.text || '') + period));
    }));
    table.replaceChildren(cap, thead, tbody);
    table.hidden = rows.length === 0;
  }

  // chartSeq drops a chart that arrives after a newer question was asked.
  let chartSeq = 0;

  // showChart fetches the metric's chart (with the API key, if any) and
  // shows it as a data: URL, which the Content-Security-Policy allows. A
  // metric with one figure, or none, has no chart: nothing is shown, never
  // a broken image.
  async function showChart(question, zh) {
    const seq = ++chartSeq;
    const box = $('chart');
    box.hidden = true;
    // The image exists only while a chart is shown.
    const old = $('chart-img');
    if (old) old.remove();
    try {
      const res = await fetch('v1/figures/chart.png?q=' + encodeURIComponent(question), { headers: headers() });
      if (!res.ok || res.headers.get('Content-Type') !== 'image/png') return;
      const blob = await res.blob();
      const url = await new Promise((resolve, reject) => {
        const r = new FileReader();
        r.onload = () => resolve(r.result);
        r.onerror = () => reject(r.error);
        r.readAsDataURL(blob);
      });
      if (seq !== chartSeq) return;
      const img = document.createElement('img');
      img.id = 'chart-img';
      img.onload = () => { img.dataset.loaded = '1'; box.hidden = false; };
      box.prepend(img);
      img.alt = zh ? '各来源数据随时间变化的图表' : 'Chart of the figures over time, by source';
      $('chart-caption').textContent = zh ? '实心为实际数据，空心虚线为预测。' : 'Filled points are reported figures, hollow dashed ones forecasts.';
      img.src = url;
    } catch (e) {
      // No chart: the table says it all.
    }
  }

  function renderTable(ans) {
    const rows = ans.figure_table || [];
    const zh = hasCJK(ans.question);
    $('table-box').hidden = rows.length === 0;
    if (rows.length === 0) {
      chartSeq++;
      $('chart').hidden = true;
      const img = $('chart-img');
      if (img) img.remove();
      return;
    }
    const what = [ans.figure_metric, ans.figure_period].filter(Boolean).join(zh ? '，' : ', ');
    $('table-title').textContent = (zh ? '各来源的数据' : 'What each source says') + (what ? (zh ? '（' + what + '）' : ' (' + what + ')') : '');
    $('differ').textContent = zh ? '来源说法不一。' : 'Sources differ.';
    $('differ').hidden = !ans.sources_differ;
    figureTable($('figure-table'), rows.filter((r) => !r.forecast), zh, zh ? '实际数据' : 'Reported');
    figureTable($('forecast-table'), rows.filter((r) => r.forecast), zh, zh ? '预测' : 'Forecasts');
    showChart(ans.question || '', zh);
  }

  function render(ans, requestID) {
    const citations = ans.citations || [];
    const figures = ans.figures || [];
    const related = ans.related || [];
    const result = $('result');
    result.classList.toggle('abstained', !!ans.abstained);

    $('answer-text').replaceChildren(answerText(ans.answer || '', citations));
    $('generated').textContent = ans.generated_by
      ? 'Written by ' + ans.generated_by + ' from the cited passages; every figure checked against them.' : '';
    $('generated').hidden = !ans.generated_by;

    $('figures').replaceChildren(...figures.map((f) => {
      const li = el('li', 'figure', el('strong', '', f.label || f.text));
      if (f.citation) {
        const a = el('a', 'marker', '[' + f.citation + ']');
        a.href = '#cite-' + f.citation;
        li.append(' ', a);
      }
      return li;
    }));
    $('figures-box').hidden = figures.length === 0;

    $('citations').replaceChildren(...citations.map((c) => {
      const li = el('li', 'citation', sourceLine(c, c.n));
      li.id = 'cite-' + c.n;
      const own = figures.filter((f) => f.citation === c.n).map((f) => f.text);
      li.append(el('blockquote', '', highlight(c.quote || '', own)));
      return li;
    }));
    $('sources-box').hidden = citations.length === 0;

    renderTable(ans);

    $('related-title').textContent = ans.abstained ? 'Nearest passages' : 'Related passages';
    $('related').replaceChildren(...related.map((r) =>
      el('li', 'related', sourceLine(r), el('blockquote', '', r.text || ''))));
    $('related-box').hidden = related.length === 0;

    $('request-id').textContent = requestID ? 'Request id: ' + requestID : '';
    result.hidden = false;
    result.dataset.seq = String(Number(result.dataset.seq || 0) + 1);
  }

  function showError(message, requestID) {
    const e = $('error');
    e.textContent = message + (requestID ? ' (request id: ' + requestID + ')' : '');
    e.hidden = false;
  }

  function headers() {
    const h = { 'Content-Type': 'application/json', 'Accept': 'application/json' };
    const key = $('api-key').value.trim();
    if (key) h['X-API-Key'] = key;
    return h;
  }

  async function readJSON(res) {
    try {
      return await res.json();
    } catch (e) {
      return null;
    }
  }

  async function ask(question) {
    const button = $('ask');
    button.disabled = true;
    document.body.dataset.state = 'busy';
    $('status').textContent = 'Searching the sources…';
    $('error').hidden = true;
    try {
      const res = await fetch('v1/ask', { method: 'POST', headers: headers(), body: JSON.stringify({ question }) });
      const body = await readJSON(res);
      if (!res.ok) {
        if (res.status === 401) $('key-box').open = true;
        showError((body && body.error) || 'The server answered ' + res.status + '.', body && body.request_id);
        return;
      }
      render(body, res.headers.get('X-Request-Id'));
      if (!$('corpus-list').hasChildNodes()) loadSources();
    } catch (e) {
      showError('Could not reach the server: ' + e.message);
    } finally {
      button.disabled = false;
      $('status').textContent = '';
      document.body.dataset.state = 'idle';
    }
  }

  async function loadSources() {
    try {
      const res = await fetch('v1/sources', { headers: headers() });
      const body = await readJSON(res);
      if (!res.ok || !body) {
        $('corpus-about').textContent = res.status === 401
          ? 'Enter the API key to list the documents.'
          : 'The list of documents is not available.';
        return;
      }
      const ab = body.about || {};
      $('corpus-about').textContent = (ab.sources || 0) + ' documents, ' + (ab.passages || 0) + ' passages' +
        (ab.as_of ? ', as of ' + ab.as_of : '') + '.';
      $('corpus-list').replaceChildren(...(body.sources || []).map((s) => {
        const li = el('li', '', sourceLine(s));
        li.append(el('span', 'meta', s.passages + ' passages'));
        return li;
      }));
    } catch (e) {
      $('corpus-about').textContent = 'The list of documents is not available.';
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    const form = $('ask-form');
    const q = $('question');
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const question = q.value.trim();
      if (question) ask(question);
    });
    // Enter asks; Shift+Enter starts a new line.
    q.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        form.requestSubmit();
      }
    });
    loadSources();
    document.body.dataset.state = 'idle';
    // A link such as /?q=How+many+jobs asks at once, so an answer can be
    // shared as a link.
    const shared = new URLSearchParams(location.search).get('q');
    if (shared && shared.trim()) {
      q.value = shared.trim();
      form.requestSubmit();
    }
  });
})();
