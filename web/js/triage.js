// The diversion protocol (911) or risk assessment (988), asked one question at a time.
//
// The server decides: we send the answers so far to POST /incidents/{id}/triage; until the
// protocol decides it names the questions still needed (we ask the first), and nothing is
// written. Keys: Y / N for yes-no questions, 1–9 for choices, U when the caller cannot say
// (every question), Backspace to go back one. A decided call is triaged again only with a
// reason; the earlier decision stays in the record.

import { get, post } from './api.js';
import { h, replace, announce } from './dom.js';
import { outcome, SAFETY_OUTCOMES } from './format.js';

const YES_NO = [
  { value: true, label: 'Yes', key: 'y' },
  { value: false, label: 'No', key: 'n' },
];
const UNKNOWN = { value: 'unknown', label: 'Unknown — the caller cannot say', key: 'u' };

/** The decision, as a block: the outcome, why, which rule of which protocol version. */
export function decisionBlock(d) {
  const safety = SAFETY_OUTCOMES.has(d.outcome);
  return h('div', { class: ['decision', safety && 'safety'], 'data-outcome': d.outcome },
    h('p', { class: 'outcome' }, `Outcome: ${outcome(d.outcome)}`),
    d.why && h('p', {}, h('strong', {}, 'Why: '), d.why),
    h('p', { class: 'hint' }, `Rule ${d.rule} of ${d.protocol} version ${d.protocol_version}`),
    d.read?.length ? h('p', { class: 'hint' }, 'Decided on: ', d.read.map((a) => `${a.question} = ${a.answer}`).join(', ')) : null,
    d.answers?.length ? h('p', { class: 'hint' }, 'Answers: ', d.answers.map(([q, a]) => `${q} = ${a}`).join(', ')) : null,
    d.passed_over?.length ? h('p', { class: 'hint' }, `Rules that did not apply: ${d.passed_over.join(', ')}`) : null,
    unknownsLine(d),
    d.retriage_reason ? h('p', { class: 'hint' }, `Triaged again: ${d.retriage_reason}`) : null);
}

/** Which unknown answers made the outcome more protective. */
function unknownsLine(d) {
  const unknown = d.unknowns ?? (d.answers ?? []).filter(([, a]) => a === 'unknown').map(([q]) => q);
  if (!unknown.length) return null;
  const text = d.rule === 'when_unknown'
    ? `Unknown answers (${unknown.join(', ')}) might make rule ${d.open_rule ?? 'an earlier rule'} apply, so the protocol's most protective outcome was chosen.`
    : `Answered unknown: ${unknown.join(', ')} — the outcome holds whatever the answers are.`;
  return h('p', { class: 'unknowns', 'data-unknowns': unknown.join(',') }, text);
}

// The agency's active protocol per channel: the request, and its answer once it came.
const rulesByChannel = new Map();
const loadedRules = new Map();

function rulesOf(channel) {
  let rules = rulesByChannel.get(channel);
  if (!rules) {
    rules = get(`/protocols/active?channel=${channel}`).catch(() => null);
    rules.then((p) => loadedRules.set(channel, p));
    rulesByChannel.set(channel, rules);
  }
  return rules;
}

/** The reason a protocol's rule gives, from the agency's active protocol (when the decision
 *  was made with that version). */
function whyIn(p, decision) {
  if (!p || p.protocol_id !== decision.protocol || p.version !== decision.protocol_version) return null;
  return p.rules.find((r) => r.id === decision.rule)?.why ?? null;
}

/** A decision already recorded on the incident, with its reason: at once when the protocol is
 *  already loaded, else as soon as it is. */
export function recordedDecision(incident) {
  const known = whyIn(loadedRules.get(incident.channel), incident.triage);
  const holder = h('div', { class: 'recorded-decision' }, decisionBlock({ ...incident.triage, why: known ?? incident.triage.why }));
  // The decision explained by the protocol version that made it — another agency's, for a
  // call it handed over — with why, the answers it rests on and the rules passed over.
  const fromOwnRules = () => {
    if (known) return;
    rulesOf(incident.channel).then((p) => {
      const text = whyIn(p, incident.triage);
      if (text) replace(holder, decisionBlock({ ...incident.triage, why: text }));
    });
  };
  get(`/incidents/${incident.id}/decision`).then(({ decision }) => {
    if (decision && decision.rule === incident.triage.rule) {
      replace(holder, decisionBlock({ ...decision, answers: incident.triage.answers, retriage_reason: incident.triage.retriage_reason }));
      holder.dataset.explained = 'yes';
    } else fromOwnRules();
  }).catch(fromOwnRules);
  return holder;
}

/**
 * A triage panel for `incident`. `onDecided(decision, incident)` runs once the protocol has
 * decided (the decision is then committed on the incident).
 */
export function triagePanel(incident, { onDecided, title = 'Diversion protocol' } = {}) {
  const answers = new Map();
  const labels = new Map();
  // Set when the call is triaged again: why.
  let retriageReason = null;
  const body = h('div', { class: 'triage-body' });
  const panel = h('section', { class: 'card triage', 'aria-label': title }, h('h2', {}, title), body);
  // So the decision, once recorded, shows its reason without waiting.
  rulesOf(incident.channel);

  async function ask() {
    let reply;
    try {
      const body = { answers: Object.fromEntries(answers) };
      if (retriageReason) body.retriage_reason = retriageReason;
      reply = await post(`/incidents/${incident.id}/triage`, body);
    } catch (e) {
      replace(body, h('p', { class: 'error', role: 'alert' }, e.message));
      return;
    }
    if (reply.status === 'decided') {
      const d = reply.decision;
      replace(body, decisionBlock(d), answered());
      announce(`Protocol decided: ${outcome(d.outcome)}. ${d.why}`);
      onDecided?.(d, reply.incident);
      return;
    }
    const q = reply.next_questions[0];
    show(q, reply);
  }

  function answered() {
    if (!answers.size) return null;
    return h('ol', { class: 'answered', 'aria-label': 'Answers so far' },
      [...answers.keys()].map((id) => h('li', {}, `${labels.get(id)?.text ?? id} — `, h('strong', {}, labels.get(id)?.answer ?? String(answers.get(id))))));
  }

  function choose(q, value, label) {
    answers.set(q.id, value);
    labels.set(q.id, { text: q.text, answer: label });
    ask();
  }

  function back() {
    const last = [...answers.keys()].pop();
    if (last === undefined) return;
    answers.delete(last);
    labels.delete(last);
    ask();
  }

  function show(q, reply) {
    const textId = `q-${q.id}`;
    let options;
    let group;
    if (q.type === 'yes_no' || q.type === 'choice') {
      options = (q.type === 'yes_no'
        ? YES_NO.map((o, i) => ({ ...o, digit: String(i + 1) }))
        : q.choices.map((c, i) => ({ value: c.id, label: c.label, digit: String(i + 1) }))).concat([UNKNOWN]);
      group = h('div', { class: ['answers', q.type === 'choice' && 'choices'], role: 'group', 'aria-labelledby': textId },
        options.map((o) => h('button', {
          type: 'button', class: 'answer', 'data-answer': String(o.value),
          'aria-keyshortcuts': [o.key?.toUpperCase(), o.digit].filter(Boolean).join(' '),
          onclick: () => choose(q, o.value, o.label),
        }, h('kbd', {}, o.key ? o.key.toUpperCase() : o.digit), ' ', o.label)));
    } else {
      const input = h('input', { type: 'number', min: q.min, max: q.max, 'aria-labelledby': textId, required: true });
      const submit = () => {
        const n = Number(input.value);
        if (input.value !== '' && Number.isFinite(n)) choose(q, n, String(n));
      };
      input.addEventListener('keydown', (e) => { if (e.key === 'Enter') submit(); });
      options = [UNKNOWN];
      group = h('div', { class: 'answers' }, input, h('button', { type: 'button', class: 'primary', onclick: submit }, 'Answer'),
        h('button', { type: 'button', class: 'answer', 'data-answer': 'unknown', 'aria-keyshortcuts': 'U', onclick: () => choose(q, UNKNOWN.value, UNKNOWN.label) }, h('kbd', {}, 'U'), ' ', UNKNOWN.label));
    }
    const box = h('div', { class: 'question', 'data-question': q.id },
      h('p', { class: 'hint' }, `Question ${answers.size + 1} · ${reply.protocol} v${reply.protocol_version}`),
      h('p', { class: 'question-text', id: textId }, q.text),
      group,
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'quiet', disabled: answers.size === 0, onclick: back, 'aria-keyshortcuts': 'Backspace' }, 'Back ', h('kbd', {}, '⌫'))));
    box.addEventListener('keydown', (e) => {
      if (e.target.tagName === 'INPUT' || e.ctrlKey || e.metaKey || e.altKey) return;
      const key = e.key.toLowerCase();
      const option = options?.find((o) => o.key === key || o.digit === key);
      if (option) {
        e.preventDefault();
        e.stopPropagation();
        choose(q, option.value, option.label);
      } else if (e.key === 'Backspace') {
        e.preventDefault();
        e.stopPropagation();
        back();
      }
    });
    replace(body, box, answered());
    (group.querySelector('button.answer, input') ?? box).focus();
    announce(q.text);
  }

  if (incident.triage) {
    // Triaging again is an explicit change with a reason; the earlier decision stays.
    const reason = h('input', { type: 'text', maxlength: 500, 'aria-label': 'Why triage again', placeholder: 'e.g. the caller now says there is a weapon' });
    const error = h('span', { class: 'error', role: 'alert' });
    const again = h('button', { type: 'button', 'data-action': 'retriage', onclick: () => {
      if (!reason.value.trim()) {
        error.textContent = 'Say why first: the earlier decision stays in the record beside the new one.';
        reason.focus();
        return;
      }
      retriageReason = reason.value.trim();
      answers.clear();
      labels.clear();
      ask();
    } }, 'Triage again');
    replace(body, recordedDecision(incident),
      h('details', { class: 'retriage' }, h('summary', {}, 'Triage again (new information)'),
        h('div', { class: 'field-row' }, reason, again, error)));
  } else {
    replace(body, h('p', { class: 'hint' }, 'Loading the first question…'));
    ask();
  }
  return panel;
}
