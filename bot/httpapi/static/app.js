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
