// The auditor console. Everything it shows comes from the gateway's auditors' API (/audit/v1), where
// each record has passed the guard; the page writes text only (never HTML) so no record can script it.
'use strict';

const API = '/audit/v1';
const LEVELS = ['UNCLASSIFIED', 'RESTRICTED', 'CONFIDENTIAL', 'SECRET', 'TOP_SECRET'];
let nextCursor = null;

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}

function row(cells, cls) {
  const tr = el('tr', null, cls);
  cells.forEach(c => tr.appendChild(el('td', c)));
  return tr;
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
      marking: (t.label && t.label.marking || '') + (t.recipientMarking ? ' → ' + t.recipientMarking : ''),
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
        d.kind, d.decision || '', d.direction || '', d.system || '', d.product || '', d.marking || marking || '', d.reasons || ''],
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

function chart(svg, flows, directions) {
  const NS = 'http://www.w3.org/2000/svg';
  svg.replaceChildren();
  const max = Math.max(1, ...flows.map(f => Number(f.released || 0) + Number(f.refused || 0)));
  const groupWidth = 340;
  directions.forEach((direction, g) => {
    const x0 = 20 + g * (groupWidth + 20);
    const title = document.createElementNS(NS, 'text');
    title.setAttribute('x', x0);
    title.setAttribute('y', 14);
    title.textContent = direction.replace('>', ' → ');
    svg.appendChild(title);
    LEVELS.forEach((level, i) => {
      const flow = flows.find(f => f.from + '>' + f.to === direction && f.level === 'CLASSIFICATION_LEVEL_' + level) || {};
      const released = Number(flow.released || 0);
      const refused = Number(flow.refused || 0);
      const x = x0 + i * 66;
      const scale = 190 / max;
      [[released, '#2a6f97', 0], [refused, '#c1121f', released * scale]].forEach(([value, colour, below]) => {
        const bar = document.createElementNS(NS, 'rect');
        bar.setAttribute('x', x);
        bar.setAttribute('width', 40);
        bar.setAttribute('height', value * scale);
        bar.setAttribute('y', 225 - below - value * scale);
        bar.setAttribute('fill', colour);
        bar.setAttribute('data-level', level);
        bar.setAttribute('data-direction', direction);
        bar.setAttribute('data-kind', colour === '#2a6f97' ? 'released' : 'refused');
        bar.setAttribute('data-value', value);
        const tip = document.createElementNS(NS, 'title');
        tip.textContent = level + ': ' + value + (colour === '#2a6f97' ? ' released' : ' refused');
        bar.appendChild(tip);
        svg.appendChild(bar);
      });
      const name = document.createElementNS(NS, 'text');
      name.setAttribute('x', x);
      name.setAttribute('y', 242);
      name.textContent = level.replace('_', ' ').slice(0, 9);
      svg.appendChild(name);
      const count = document.createElementNS(NS, 'text');
      count.setAttribute('x', x);
      count.setAttribute('y', 256);
      count.textContent = released + ' / ' + refused;
      svg.appendChild(count);
    });
  });
}

async function report(event) {
  event.preventDefault();
  const params = filters(document.getElementById('report-form'), false);
  const status = document.getElementById('report-status');
  status.textContent = 'Loading…';
  try {
    const r = await call('/report?' + params);
    const [a, b] = r.relationship.split('-');
    document.getElementById('report-title').textContent = r.relationship + ', ' + r.fromDay + ' to ' + r.toDay;
    const balance = r.balance || {};
    document.getElementById('balance').textContent = 'Released ' + a + ' → ' + b + ': ' + (balance.aToB || 0) + '; ' + b + ' → ' + a + ': '
      + (balance.bToA || 0) + '; balance ' + (balance.difference || 0);
    const cp = r.checkpoint;
    const checkpoint = document.getElementById('checkpoint');
    checkpoint.textContent = cp ? 'Latest checkpoint: record ' + cp.sequence + ' at ' + when(cp.issuedAt) + ', signature '
      + (r.checkpointSignatureValid ? 'valid' : 'INVALID') : 'No checkpoint issued yet';
    checkpoint.className = cp && !r.checkpointSignatureValid ? 'bad' : '';
    const flows = r.flows || [];
    chart(document.getElementById('flows-chart'), flows, [a + '>' + b, b + '>' + a]);
    const flowBody = document.querySelector('#flows tbody');
    flowBody.replaceChildren(...flows.map(f => row([f.from + ' → ' + f.to, (f.level || '').replace('CLASSIFICATION_LEVEL_', ''),
      f.released || 0, f.refused || 0])));
    document.querySelector('#refusals tbody').replaceChildren(...(r.refusals || []).map(x => row([x.from + ' → ' + x.to,
      (x.reason || '').replace('DENY_REASON_', ''), x.count || 0])));
    document.querySelector('#agreements tbody').replaceChildren(...(r.agreementChanges || []).map(x => row([when(x.effectiveAt),
      x.agreementId, (x.previousStatus || '').replace('AGREEMENT_STATUS_', ''), (x.status || '').replace('AGREEMENT_STATUS_', ''),
      x.changedBy, x.reason])));
    document.querySelector('#identities tbody').replaceChildren(...Object.entries(r.identityChanges || {}).map(([n, c]) => row([n, c])));
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
  document.querySelectorAll('nav button').forEach(button => button.addEventListener('click', () => {
    document.querySelectorAll('nav button').forEach(b => b.classList.toggle('active', b === button));
    document.querySelectorAll('main section').forEach(s => { s.hidden = s.id !== 'tab-' + button.dataset.tab; });
  }));
}

async function start() {
  tabs();
  document.getElementById('filters').addEventListener('submit', e => { e.preventDefault(); nextCursor = null; search(false); });
  document.getElementById('more').addEventListener('click', () => search(true));
  document.getElementById('report-form').addEventListener('submit', report);
  document.getElementById('verify-form').addEventListener('submit', verify);
  try {
    const response = await fetch('whoami', { credentials: 'same-origin' });
    const who = await response.json();
    document.getElementById('who').textContent = who.system + ' · auditor of ' + who.nation + ' · cleared ' + who.clearance;
    for (const id of ['r-relationship', 'v-relationship']) document.getElementById(id).placeholder = who.nation === 'JPN' ? 'JPN-KOR' : 'JPN-' + who.nation;
  } catch (e) {
    document.getElementById('who').textContent = 'Signed in';
  }
  search(false);
}

document.addEventListener('DOMContentLoaded', start);
