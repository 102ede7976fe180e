// The watch officer's page: every call goes to /hotline/api/, which calls the hotline node through
// the gateway's guard with this person's token. Nothing from the node is written as HTML: text only.
'use strict';

const API = '/hotline/api/';
const LEVELS = ['UNCLASSIFIED', 'RESTRICTED', 'CONFIDENTIAL', 'SECRET', 'TOP_SECRET'];
const STATES = ['ACCEPTED', 'RELAYED', 'DELIVERED', 'READ', 'ACKNOWLEDGED', 'NON_DELIVERED', 'EXPIRED'];
// the most messages kept on the page; older ones remain in the record
const MAX_SHOWN = 500;

let me = null;
let conferences = [];
let stream = null;
let lastCursor = '';
let retry = null;
const receipts = new Map(); // message id -> Map(party -> receipt)
const links = new Map();
const alarms = new Map();
let unread = [];
let readTimer = null;

const $ = (id) => document.getElementById(id);
const strip = (value, prefix) => (value || '').startsWith(prefix) ? value.substring(prefix.length) : (value || '');
const precedenceOf = (m) => strip(m.precedence, 'PRECEDENCE_') || 'ROUTINE';
const words = (name) => name.replace(/_/g, ' ');

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

async function call(path, body) {
  const options = { credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    options.method = 'POST';
    options.headers['Content-Type'] = 'application/json';
    if (me && me.csrf) options.headers[me.csrf.header] = me.csrf.token;
    options.body = JSON.stringify(body);
  }
  const response = await fetch(API + path, options);
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
  if (!response.ok) {
    const error = new Error(json && json.message ? json.message : 'HTTP ' + response.status);
    error.code = json && json.error ? json.error : String(response.status);
    throw error;
  }
  return json;
}

function timeOf(ts) {
  if (!ts) return '';
  const d = new Date(ts);
  return isNaN(d) ? '' : d.toISOString().replace('T', ' ').substring(0, 19) + ' UTC';
}

// ----- links and alarms -----

function renderLinks() {
  const body = $('links').tBodies[0];
  body.replaceChildren();
  for (const link of [...links.values()].sort((a, b) => a.peer.localeCompare(b.peer))) {
    const row = el('tr');
    row.dataset.peer = link.peer;
    row.append(el('td', '', link.peer));
    const state = strip(link.state, 'LINK_STATE_') || 'UNKNOWN';
    row.append(el('td', 'link-' + state, state));
    const us = Number(link.lastRoundTripUs || 0);
    row.append(el('td', 'rtt', us > 0 ? (us / 1000).toFixed(1) + ' ms' : 'none yet'));
    row.append(el('td', '', String(link.backlog || 0)));
    body.append(row);
  }
}

function renderAlarms() {
  const list = $('alarms');
  list.replaceChildren();
  for (const alarm of alarms.values()) {
    const item = el('li');
    item.dataset.id = alarm.id;
    const kind = words(strip(alarm.kind, 'ALARM_KIND_'));
    const level = words(strip(alarm.level, 'ESCALATION_LEVEL_')).toLowerCase();
    const about = [alarm.conference, alarm.peer, alarm.messageId].filter(Boolean).join(' · ');
    item.append(el('strong', '', kind));
    item.append(document.createTextNode(' ' + about + ' — ' + (alarm.detail || '') +
      ' (raised ' + timeOf(alarm.raisedAt) + ', repeated ' + (alarm.repeats || 0) + '×, now with the ' + level + ')'));
    const ack = el('button', 'ack-alarm', 'Acknowledge alarm');
    ack.type = 'button';
    ack.setAttribute('aria-label', 'Acknowledge alarm ' + kind + ' ' + about);
    ack.addEventListener('click', async () => {
      ack.disabled = true;
      try {
        const answer = await call('ack-alarm', { alarmId: alarm.id });
        applyAlarm(answer.alarm || alarm);
        if (!answer.alarm || !answer.alarm.acknowledgedBy) { alarms.delete(alarm.id); renderAlarms(); }
      } catch (e) {
        ack.disabled = false;
        item.append(el('p', 'refused', 'Not acknowledged: ' + e.message));
      }
    });
    item.append(document.createTextNode(' '), ack);
    list.append(item);
  }
  $('no-alarms').hidden = alarms.size > 0;
}

function applyAlarm(alarm) {
  if (alarm.acknowledgedBy) alarms.delete(alarm.id); else alarms.set(alarm.id, alarm);
  renderAlarms();
}

async function loadStatus() {
  const status = await call('status');
  links.clear();
  for (const link of status.links || []) links.set(link.peer, link);
  alarms.clear();
  for (const alarm of status.openAlarms || []) alarms.set(alarm.id, alarm);
  renderLinks();
  renderAlarms();
}

// ----- messages and receipts -----

function renderReceipts(id) {
  const item = document.querySelector('#messages li[data-id="' + CSS.escape(id) + '"]');
  if (!item) return;
  const list = item.querySelector('.receipts');
  list.replaceChildren();
  const parties = receipts.get(id) || new Map();
  for (const party of [...parties.keys()].sort()) {
    const r = parties.get(party);
    const state = strip(r.state, 'RECEIPT_STATE_');
    const entry = el('li', 'receipt-' + state);
    entry.dataset.party = party;
    entry.dataset.state = state;
    let text = party + ': ' + words(state);
    if (r.by) text += ' by ' + r.by;
    if (r.reason) text += ' (' + r.reason + ')';
    entry.textContent = text;
    entry.title = timeOf(r.at);
    list.append(entry);
  }
  const mine = parties.get(me.nation);
  const ack = item.querySelector('button.ack');
  if (ack && mine && strip(mine.state, 'RECEIPT_STATE_') === 'ACKNOWLEDGED') {
    ack.disabled = true;
    ack.textContent = 'Acknowledged';
  }
}

function applyReceipt(receipt) {
  if (!receipt || !receipt.messageId) return;
  if (!receipts.has(receipt.messageId)) receipts.set(receipt.messageId, new Map());
  const parties = receipts.get(receipt.messageId);
  const known = parties.get(receipt.party);
  // a late, lower state never hides a later one (NON_DELIVERED and EXPIRED end the line)
  if (!known || STATES.indexOf(strip(receipt.state, 'RECEIPT_STATE_')) >= STATES.indexOf(strip(known.state, 'RECEIPT_STATE_'))) {
    parties.set(receipt.party, receipt);
  }
  renderReceipts(receipt.messageId);
}

function markingShown(label) {
  if (!label) return '';
  return (label.release && label.release.marking) || label.marking || '';
}

function addMessage(message, label) {
  const list = $('messages');
  if (list.querySelector('li[data-id="' + CSS.escape(message.id) + '"]')) return; // never shown twice
  const precedence = precedenceOf(message);
  const type = strip(message.type, 'MESSAGE_TYPE_');
  const item = el('li', 'message precedence-' + precedence);
  item.dataset.id = message.id;
  item.dataset.precedence = precedence;
  item.tabIndex = 0;
  if (type === 'EXERCISE' || type === 'DRILL') item.append(el('div', 'banner', type + ' — ' + type + ' — ' + type));
  if (message.lineTest) item.append(el('div', 'banner', 'LINE TEST'));
  const meta = el('div', 'meta');
  meta.append(el('span', 'precedence', words(precedence)));
  const marking = el('span', 'marking', markingShown(label));
  marking.title = 'Classification as released to you';
  meta.append(marking);
  meta.append(el('span', 'serial', message.origin + ' #' + (message.serial || '?')));
  meta.append(el('span', 'sender', message.sender));
  meta.append(el('span', 'time', timeOf(message.acceptedAt)));
  if (message.delayed) {
    const ms = Number(message.delayMs || 0);
    meta.append(el('span', 'delayed', 'delayed' + (ms > 0 ? ' ' + (ms / 1000).toFixed(1) + ' s' : '')));
  }
  item.append(meta);
  item.append(el('p', 'text', message.text));
  item.append(el('ul', 'receipts'));
  if (message.origin !== me.nation) {
    const ack = el('button', 'ack', 'Acknowledge');
    ack.type = 'button';
    ack.setAttribute('aria-label', 'Acknowledge ' + words(precedence) + ' ' + message.origin + ' #' + message.serial);
    ack.addEventListener('click', async () => {
      ack.disabled = true;
      try {
        const answer = await call('ack', { messageId: message.id });
        applyReceipt(answer.receipt);
      } catch (e) {
        ack.disabled = false;
        item.append(el('p', 'refused', 'Not acknowledged: ' + e.message));
      }
    });
    item.append(ack);
    unread.push(message.id);
    clearTimeout(readTimer);
    readTimer = setTimeout(markRead, 300);
  }
  // newest first
  list.prepend(item);
  while (list.children.length > MAX_SHOWN) list.lastElementChild.remove();
  renderReceipts(message.id);
}

async function markRead() {
  const ids = unread.splice(0, 256);
  if (ids.length === 0) return;
  try {
    const answer = await call('mark-read', { messageIds: ids });
    for (const receipt of answer.receipts || []) applyReceipt(receipt);
  } catch (e) {
    $('stream-status').textContent = 'Could not report messages read: ' + e.message;
  }
  if (unread.length) readTimer = setTimeout(markRead, 300);
}

// ----- the live stream -----

function watch(conference) {
  if (stream) stream.close();
  clearTimeout(retry);
  const url = API + 'watch?conference=' + encodeURIComponent(conference) + '&from=' + encodeURIComponent(lastCursor);
  stream = new EventSource(url);
  const status = $('stream-status');
  status.textContent = 'Connecting to ' + conference + '…';
  const seen = (event) => { if (event.lastEventId) lastCursor = event.lastEventId; };
  stream.addEventListener('open', () => { status.textContent = 'Live: ' + conference; loadStatus().catch(() => {}); });
  stream.addEventListener('message', (event) => {
    const data = JSON.parse(event.data);
    addMessage(data.message, data.label);
    seen(event);
  });
  stream.addEventListener('receipt', (event) => { applyReceipt(JSON.parse(event.data).receipt); seen(event); });
  stream.addEventListener('link', (event) => {
    const link = JSON.parse(event.data).link;
    links.set(link.peer, link);
    renderLinks();
    seen(event);
  });
  stream.addEventListener('alarm', (event) => { applyAlarm(JSON.parse(event.data).alarm); seen(event); });
  stream.addEventListener('failure', (event) => {
    const failure = JSON.parse(event.data);
    stream.close();
    status.textContent = 'The stream ended: ' + failure.message + ' (' + failure.error + ')';
    if (!['PERMISSION_DENIED', 'NOT_FOUND', 'INVALID_ARGUMENT'].includes(failure.error)) {
      retry = setTimeout(() => watch(conference), 3000);
    }
  });
  stream.addEventListener('error', () => {
    if (stream.readyState === EventSource.CLOSED) {
      status.textContent = 'Disconnected; reconnecting…';
      retry = setTimeout(() => watch(conference), 3000);
    } else {
      status.textContent = 'Reconnecting…';
    }
  });
}

function chooseConference() {
  const id = $('conference').value;
  const conference = conferences.find((c) => c.id === id);
  $('messages').replaceChildren();
  receipts.clear();
  // the node's first position: the conference's whole conversation, then live
  lastCursor = '0';
  if (conference) {
    const ceiling = strip(conference.ceiling, 'CLASSIFICATION_LEVEL_');
    $('conference-info').textContent = conference.nations.join(' · ') + ' — up to ' + words(ceiling) + ' — ' +
      (conference.members || []).map((m) => m.username).join(', ');
    $('s-conference').value = id;
    fillMarkings();
    watch(id);
  }
}

function fillMarkings() {
  const conference = conferences.find((c) => c.id === $('s-conference').value);
  const ceiling = conference ? LEVELS.indexOf(strip(conference.ceiling, 'CLASSIFICATION_LEVEL_')) : LEVELS.length - 1;
  const select = $('s-marking');
  const chosen = select.value;
  select.replaceChildren();
  for (const m of me.markings) {
    if (LEVELS.indexOf(m.level) > ceiling && ceiling >= 0) continue;
    const option = el('option', '', m.marking + ' (' + words(m.level) + ')');
    option.value = m.marking;
    select.append(option);
  }
  if ([...select.options].some((o) => o.value === chosen)) select.value = chosen;
}

async function send(event) {
  event.preventDefault();
  const status = $('send-status');
  status.className = '';
  status.textContent = 'Sending…';
  const button = $('s-send');
  button.disabled = true;
  try {
    const answer = await call('send', {
      conference: $('s-conference').value,
      precedence: $('s-precedence').value,
      marking: $('s-marking').value,
      text: $('s-text').value,
      drill: $('s-drill').checked,
      idempotencyKey: crypto.randomUUID(),
    });
    const m = answer.message;
    status.textContent = 'Sent ' + words(precedenceOf(m)) + ' ' + m.origin + ' #' + m.serial + ' (' + m.id + ')';
    $('s-text').value = '';
  } catch (e) {
    status.className = 'refused';
    status.textContent = 'Refused: ' + e.message;
  } finally {
    button.disabled = false;
  }
}

async function start() {
  try {
    me = await call('me');
  } catch (e) {
    $('who').textContent = 'Not signed in: ' + e.message;
    return;
  }
  $('who').textContent = me.username + ' · ' + me.role + ' of ' + me.nation + ' · cleared ' + words(me.clearance || '');
  $('s-flash-override').disabled = !me.principal;
  try {
    conferences = ((await call('conferences')).conferences || []).map((c) => c.conference);
  } catch (e) {
    $('stream-status').textContent = 'Conferences unavailable: ' + e.message;
    return;
  }
  for (const target of [$('conference'), $('s-conference')]) {
    target.replaceChildren();
    for (const c of conferences) {
      const option = el('option', '', c.id);
      option.value = c.id;
      target.append(option);
    }
  }
  $('conference').addEventListener('change', chooseConference);
  $('s-conference').addEventListener('change', fillMarkings);
  $('send').addEventListener('submit', send);
  loadStatus().catch((e) => { $('no-alarms').textContent = 'Line status unavailable: ' + e.message; });
  if (conferences.length) chooseConference();
  else $('stream-status').textContent = 'You are a member of no conference.';
}

start();
