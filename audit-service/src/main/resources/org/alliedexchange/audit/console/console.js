// The auditor console. Everything it shows comes from the gateway's auditors' API (/audit/v1), where
// each record has passed the guard; the page writes text only (never HTML) so no record can script it.
'use strict';

const API = '/audit/v1';
const LEVELS = ['UNCLASSIFIED', 'RESTRICTED', 'CONFIDENTIAL', 'SECRET', 'TOP_SECRET'];
const COLOURS = { released: 'Released: sent under the agreement, re-marked for the recipient', refused: 'Refused: withheld by the gateway\'s guard' };
let lastReport = null;
let scaleChosen = false;
let me = null;
let nextCursor = null;

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}

// a cell is text, a node, or {text, number: true} for a right-aligned count
function row(cells, cls) {
  const tr = el('tr', null, cls);
  cells.forEach(c => {
    if (c instanceof Node) {
      const td = el('td');
      td.appendChild(c);
      tr.appendChild(td);
    } else if (c !== null && typeof c === 'object') {
      tr.appendChild(el('td', c.text, c.number ? 'number' : ''));
    } else {
      tr.appendChild(el('td', c));
    }
  });
  return tr;
}

const COUNT = new Intl.NumberFormat('en-US');
const COMPACT = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
function count(value) {
  return COUNT.format(Number(value || 0));
}
function number(value) {
  return { text: count(value), number: true };
}

// Hangul is Korean; kana or kanji without Hangul, Japanese: each is drawn with its own nation's glyph shapes
function langOf(text) {
  if (/[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]/.test(text)) return 'ko';
  if (/[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]/.test(text)) return 'ja';
  return null;
}
function marking(text) {
  const span = el('span', text, 'marking');
  const lang = langOf(text || '');
  if (lang) span.lang = lang;
  return span;
}
function markings(from, to) {
  const cell = document.createDocumentFragment();
  if (from) cell.appendChild(marking(from));
  if (from && to) cell.appendChild(document.createTextNode(' → '));
  if (to) cell.appendChild(marking(to));
  return cell;
}

async function call(path) {
  const response = await fetch(API + path, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  const body = await response.json().catch(() => ({ error: 'UNKNOWN', message: 'the answer was not JSON (HTTP ' + response.status + ')' }));
  if (!response.ok) throw new Error((body.error || response.status) + ': ' + (body.message || ''));
  return body;
}

function filters(form, withPaging) {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (value.trim() !== '') params.set(name, value.trim());
  }
  if (withPaging) params.set('page-size', '50');
  return params;
}

function when(timestamp) {
  return timestamp ? timestamp.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '';
}

function describe(record) {
  const event = record.event || {};
  if (record.redacted) return { kind: 'above your clearance (chain link only)', cls: 'redacted' };
  if (event.transfer) {
    const t = event.transfer;
    return {
      kind: 'transfer',
      decision: t.decision === 'DECISION_PERMIT' ? 'released' : 'refused',
      direction: (t.label && t.label.originator || t.sourceNation || '?') + ' → ' + (t.recipientNation || '?'),
      system: t.recipientSystem || '',
      product: t.productId || '',
      marking: markings(t.label && t.label.marking || '', t.recipientMarking || ''),
      reasons: (t.reasons || []).map(r => r.replace('DENY_REASON_', '')).join(', '),
      cls: t.decision === 'DECISION_PERMIT' ? '' : 'deny',
    };
  }
  if (event.agreementStatusChanged) {
    const a = event.agreementStatusChanged;
    return { kind: 'agreement ' + a.agreementId + ': ' + (a.previousStatus || '').replace('AGREEMENT_STATUS_', '') + ' → '
      + (a.status || '').replace('AGREEMENT_STATUS_', '') + ' (' + (a.reason || '') + ')', system: a.changedBy };
  }
  if (event.identityChanged) {
    const i = event.identityChanged;
    return { kind: 'identity ' + (i.operation || '') + ' ' + (i.resourceType || '') + ' ' + (i.summary || ''), system: i.changedBy };
  }
  if (event.releasabilityAmended) {
    const r = event.releasabilityAmended;
    return { kind: 'releasability amended to ' + (r.releasableTo || []).join(' '), system: r.amendedBy, product: r.productId };
  }
  if (event.bindingViolation) {
    return { kind: 'binding violation: ' + event.bindingViolation.detail, product: event.bindingViolation.productId, cls: 'deny' };
  }
  return { kind: 'event' };
}

async function search(append) {
  const form = document.getElementById('filters');
  const params = filters(form, true);
  if (append && nextCursor) params.set('cursor', nextCursor);
  const status = document.getElementById('log-status');
  const body = document.querySelector('#records tbody');
  status.textContent = 'Searching…';
  try {
    const page = await call('/records?' + params);
    if (!append) body.replaceChildren();
    for (const record of page.records) {
      const d = describe(record);
      const label = record.label || {};
      const marking = label.release ? label.release.marking : label.marking;
      body.appendChild(row([when(record.event && record.event.occurredAt || record.recordedAt), record.relationship + ' #' + record.sequence,
        d.kind, d.decision || '', d.direction || '', d.system || '', d.product || '', d.marking || markings(marking || '', ''), d.reasons || ''],
        d.cls));
    }
    nextCursor = page.nextCursor;
    document.getElementById('more').hidden = !nextCursor;
    const shown = body.children.length;
    status.textContent = shown + ' record' + (shown === 1 ? '' : 's') + ' shown'
      + (page.withheld ? '; ' + page.withheld + ' withheld by the gateway (' + page.withheldReasons + ')' : '');
  } catch (e) {
    status.textContent = e.message;
  }
  const exportParams = filters(form, false);
  document.getElementById('export-csv').href = API + '/export?' + exportParams + '&format=csv';
  document.getElementById('export-jsonl').href = API + '/export?' + exportParams + '&format=jsonl';
}

// The chart is drawn here from the report's figures, as SVG: no script from outside the product.
// Counts from 1 to 1,000,000 stay readable: every bar is labelled with its exact count, a bar that is
// not zero is never thinner than 3 px, and a logarithmic scale is offered (and chosen when the counts
// are far apart).
const NS = 'http://www.w3.org/2000/svg';
function svg(tag, attributes, text) {
  const node = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function levelName(level) {
  return level.replace('_', ' ');
}

function niceStep(rough) {
  const power = Math.pow(10, Math.floor(Math.log10(rough)));
  const fraction = rough / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

function scale(max, logarithmic, height) {
  if (logarithmic) {
    const decades = Math.max(1, Math.ceil(Math.log10(Math.max(max, 10))));
    const ticks = [0];
    for (let k = 0; k <= decades; k++) ticks.push(Math.pow(10, k));
    // 1 sits one step above 0, each tenfold one more step
    const y = v => v <= 0 ? 0 : height * (1 + Math.log10(v)) / (1 + decades);
    return { ticks, y };
  }
  // counts are whole transfers: never a tick at 0.5
  const step = Math.max(1, niceStep(Math.max(max, 1) / 4));
  const top = Math.max(step, Math.ceil(Math.max(max, 1) / step) * step);
  const ticks = [];
  for (let v = 0; v <= top + step / 2; v += step) ticks.push(v);
  return { ticks, y: v => height * v / top };
}

function chart(node, flows, directions, logarithmic) {
  node.replaceChildren();
  const W = 860, LEFT = 78, RIGHT = 16, PANEL = 298, PLOT = 196, TOP_GAP = 70;
  const slot = (W - LEFT - RIGHT) / LEVELS.length;
  const barWidth = 60, gap = 6;
  const values = flows.flatMap(f => [Number(f.released || 0), Number(f.refused || 0)]);
  const max = Math.max(1, ...values);
  const s = scale(max, logarithmic, PLOT);
  node.appendChild(svg('title', {}, 'Transfers each way by level, released and refused' + (logarithmic ? ' (logarithmic scale)' : '')));
  // the legend: what each colour means, one line each so no wording runs into the other
  const legend = svg('g', { class: 'legend' });
  [['released', 6], ['refused', 30]].forEach(([kind, y]) => {
    legend.appendChild(svg('rect', { x: LEFT, y, width: 16, height: 16, class: kind, 'data-legend': kind }));
    legend.appendChild(svg('text', { x: LEFT + 24, y: y + 13, 'data-legend-text': kind }, COLOURS[kind]));
  });
  node.appendChild(legend);
  const summary = [];
  directions.forEach((direction, g) => {
    const top = TOP_GAP + g * PANEL;
    const base = top + 30 + 24 + PLOT;
    const panel = svg('g', { 'data-direction': direction });
    panel.appendChild(svg('text', { x: LEFT, y: top + 18, class: 'panel-title' }, direction.replace('>', ' → ')
      + (logarithmic ? ' (logarithmic scale)' : '')));
    s.ticks.forEach(t => {
      const y = base - s.y(t);
      panel.appendChild(svg('line', { x1: LEFT, x2: W - RIGHT, y1: y, y2: y, class: t === 0 ? 'axis' : 'grid' }));
      panel.appendChild(svg('text', { x: LEFT - 8, y: y + 4, 'text-anchor': 'end', class: 'tick' }, t >= 10000 ? COMPACT.format(t) : count(t)));
    });
    const parts = [];
    LEVELS.forEach((level, i) => {
      const flow = flows.find(f => f.from + '>' + f.to === direction && f.level === 'CLASSIFICATION_LEVEL_' + level) || {};
      const x0 = LEFT + i * slot + (slot - 2 * barWidth - gap) / 2;
      [['released', Number(flow.released || 0)], ['refused', Number(flow.refused || 0)]].forEach(([kind, value], k) => {
        const x = x0 + k * (barWidth + gap);
        const h = value > 0 ? Math.max(3, s.y(value)) : 0;
        const bar = svg('rect', { x, width: barWidth, y: base - h, height: h, class: kind,
          'data-level': level, 'data-direction': direction, 'data-kind': kind, 'data-value': value });
        bar.appendChild(svg('title', {}, direction.replace('>', ' → ') + ', ' + levelName(level) + ': ' + count(value) + ' ' + kind));
        panel.appendChild(bar);
        panel.appendChild(svg('text', { x: x + barWidth / 2, y: base - h - 5, 'text-anchor': 'middle', class: 'count',
          'data-count-for': direction + ':' + level + ':' + kind }, count(value)));
      });
      panel.appendChild(svg('text', { x: LEFT + i * slot + slot / 2, y: base + 20, 'text-anchor': 'middle', class: 'level-name',
        'data-level-name': level }, levelName(level)));
      parts.push(levelName(level) + ' ' + count(flow.released) + ' released, ' + count(flow.refused) + ' refused');
    });
    summary.push(direction.replace('>', ' to ') + ': ' + parts.join('; '));
    node.appendChild(panel);
  });
  document.getElementById('chart-summary').textContent = summary.join('. ') + '.';
}

// far-apart counts (the smallest under 1% of the largest) read better on a logarithmic scale
function wantsLogarithmic(flows) {
  const values = flows.flatMap(f => [Number(f.released || 0), Number(f.refused || 0)]).filter(v => v > 0);
  return values.length > 0 && Math.max(...values) >= 1000 && Math.min(...values) * 100 < Math.max(...values);
}

function drawChart() {
  if (!lastReport) return;
  const [a, b] = lastReport.relationship.split('-');
  chart(document.getElementById('flows-chart'), lastReport.flows || [], [a + '>' + b, b + '>' + a],
    document.getElementById('chart-log').checked);
}

function hex(base64) {
  try {
    return Array.from(atob(base64 || ''), c => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
  } catch (e) {
    return '';
  }
}

function labelMarking(label) {
  if (!label) return '';
  return label.release && label.release.marking ? label.release.marking : (label.marking || '');
}

async function report(event) {
  event.preventDefault();
  const params = filters(document.getElementById('report-form'), false);
  const status = document.getElementById('report-status');
  status.textContent = 'Loading…';
  try {
    const r = await call('/report?' + params);
    lastReport = r;
    const [a, b] = r.relationship.split('-');
    document.getElementById('report-title').textContent = 'Compliance report ' + r.relationship + ', ' + r.fromDay + ' to ' + r.toDay;
    document.getElementById('fact-relationship').textContent = a + ' – ' + b;
    document.getElementById('fact-period').textContent = r.fromDay + ' to ' + r.toDay;
    const signature = r.signature || {};
    document.getElementById('fact-auditor').textContent = signature.requestedBy
      || (me ? me.username + ' (' + me.nation + ')' : '');
    const factMarking = document.getElementById('fact-marking');
    factMarking.replaceChildren(markings(labelMarking(r.label), ''));
    const balance = r.balance || {};
    document.getElementById('balance').textContent = 'Released ' + a + ' → ' + b + ': ' + count(balance.aToB) + '; ' + b + ' → ' + a + ': '
      + count(balance.bToA) + '; balance ' + count(balance.difference);
    const cp = r.checkpoint;
    const checkpoint = document.getElementById('checkpoint');
    checkpoint.textContent = cp ? 'record ' + cp.sequence + ' of ' + cp.relationship + ', issued ' + when(cp.issuedAt) + ', head '
      + hex(cp.headHash).slice(0, 16) + '…, signature ' + (r.checkpointSignatureValid ? 'valid' : 'INVALID')
      : 'No checkpoint issued yet';
    checkpoint.className = cp && !r.checkpointSignatureValid ? 'bad' : '';
    document.getElementById('signature').textContent = signature.value
      ? 'signed by the audit service (key ' + signature.keyId + ') at ' + when(signature.signedAt) + '; figures digest '
        + signature.figuresDigest
      : 'not signed';
    document.getElementById('report-download').href = API + '/report?' + params + '&format=signed';
    const flows = r.flows || [];
    if (!scaleChosen) document.getElementById('chart-log').checked = wantsLogarithmic(flows);
    drawChart();
    const flowBody = document.querySelector('#flows tbody');
    flowBody.replaceChildren(...flows.map(f => row([f.from + ' → ' + f.to, levelName((f.level || '').replace('CLASSIFICATION_LEVEL_', '')),
      number(f.released), number(f.refused)])));
    document.querySelector('#refusals tbody').replaceChildren(...(r.refusals || []).map(x => row([x.from + ' → ' + x.to,
      (x.reason || '').replace('DENY_REASON_', ''), number(x.count)])));
    document.querySelector('#agreements tbody').replaceChildren(...(r.agreementChanges || []).map(x => row([when(x.effectiveAt),
      x.agreementId, (x.previousStatus || '').replace('AGREEMENT_STATUS_', ''), (x.status || '').replace('AGREEMENT_STATUS_', ''),
      x.changedBy, x.reason])));
    document.querySelector('#identities tbody').replaceChildren(...Object.entries(r.identityChanges || {}).map(([n, c]) => row([n, number(c)])));
    document.getElementById('dead-letters').textContent = 'Events the audit service could not store (dead letters): '
      + count(r.deadLetters) + ' of this relationship, ' + count(r.unattributedDeadLetters) + ' unattributed.';
    document.getElementById('report').hidden = false;
    status.textContent = '';
  } catch (e) {
    status.textContent = e.message;
  }
}

async function verify(event) {
  event.preventDefault();
  const params = filters(document.getElementById('verify-form'), false);
  const status = document.getElementById('verify-status');
  status.className = '';
  status.textContent = 'Verifying…';
  try {
    const v = await call('/verify?' + params);
    status.textContent = (v.verified ? 'Verified: ' : 'NOT verified: ') + v.detail;
    status.className = v.verified ? 'ok' : 'bad';
  } catch (e) {
    status.textContent = e.message;
  }
}

function tabs() {
  const buttons = Array.from(document.querySelectorAll('nav [role=tab]'));
  const select = button => {
    buttons.forEach(b => {
      const on = b === button;
      b.classList.toggle('active', on);
      b.setAttribute('aria-selected', on ? 'true' : 'false');
      b.tabIndex = on ? 0 : -1;
    });
    document.querySelectorAll('main section').forEach(s => { s.hidden = s.id !== 'tab-' + button.dataset.tab; });
  };
  buttons.forEach((button, i) => {
    button.addEventListener('click', () => select(button));
    // the tabs are one stop for Tab; arrows move between them (WAI-ARIA tabs)
    button.addEventListener('keydown', e => {
      const to = e.key === 'ArrowRight' ? (i + 1) % buttons.length : e.key === 'ArrowLeft' ? (i + buttons.length - 1) % buttons.length
        : e.key === 'Home' ? 0 : e.key === 'End' ? buttons.length - 1 : -1;
      if (to >= 0) {
        e.preventDefault();
        select(buttons[to]);
        buttons[to].focus();
      }
    });
  });
}

function day(date) {
  return date.toISOString().slice(0, 10);
}

// this month: from its first day to today; last 90 days: today and the 89 before (UTC, as the report counts)
function preset(kind) {
  const today = new Date();
  const from = kind === 'month'
    ? new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1))
    : new Date(today.getTime() - 89 * 86400000);
  return [day(from), day(today)];
}

function presets() {
  document.querySelectorAll('button[data-preset]').forEach(button => button.addEventListener('click', () => {
    const [from, to] = preset(button.dataset.preset);
    document.getElementById(button.dataset.form + '-from').value = from;
    document.getElementById(button.dataset.form + '-to').value = to;
  }));
}

// each form offers exactly the relationships this auditor reads, the first chosen
function relationships(names) {
  document.querySelectorAll('select.relationships').forEach(select => {
    const offered = select.dataset.bilateral ? names.filter(n => n.includes('-')) : names;
    select.replaceChildren(...offered.map(name => {
      const option = el('option', name.replace('-', ' – '));
      option.value = name;
      return option;
    }));
    if (select.dataset.all) {
      const all = el('option', 'all of yours');
      all.value = '';
      select.appendChild(all);
    }
    select.selectedIndex = 0;
  });
}

async function start() {
  tabs();
  document.getElementById('filters').addEventListener('submit', e => { e.preventDefault(); nextCursor = null; search(false); });
  document.getElementById('more').addEventListener('click', () => search(true));
  document.getElementById('report-form').addEventListener('submit', report);
  document.getElementById('verify-form').addEventListener('submit', verify);
  document.getElementById('report-print').addEventListener('click', () => window.print());
  document.getElementById('chart-log').addEventListener('change', () => { scaleChosen = true; drawChart(); });
  presets();
  const [from, to] = preset('month');
  document.getElementById('r-from').value = from;
  document.getElementById('r-to').value = to;
  try {
    const response = await fetch('whoami', { credentials: 'same-origin' });
    me = await response.json();
    document.getElementById('who').textContent = me.username + ' · auditor of ' + me.nation
      + (me.nationName ? ' (' + me.nationName + ')' : '') + ' · cleared ' + (me.clearance || 'for nothing');
    relationships(me.relationships || []);
  } catch (e) {
    document.getElementById('who').textContent = 'Signed in';
  }
  search(false);
}

document.addEventListener('DOMContentLoaded', start);
