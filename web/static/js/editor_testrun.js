/* Test run of the draft on the editor page: posts the modeler's current XML to
   POST /editor/<key>/test-run (?outcome=...), lists the steps and deadlines of the synthetic
   case and marks the walked path on the diagram (canvas markers). Needs window.StaffelEditor
   (editor.js). */
(function () {
  'use strict';
  var panel = document.getElementById('testrun');
  var editor = window.StaffelEditor;
  if (!panel || !editor) { return; }
  var text = JSON.parse(document.getElementById('testrun-text').textContent);
  var $ = function (id) { return document.getElementById(id); };
  var lang = document.documentElement.lang || 'de';
  var key = panel.getAttribute('data-key');
  var marked = [];

  function el(tag, attrs, content) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (content !== undefined && content !== null) { node.textContent = String(content); }
    return node;
  }

  function status(message, kind) {
    var box = $('testrun-status');
    box.textContent = message;
    box.className = 'editor-status ' + (kind || '');
  }

  function when(iso) {
    if (!iso) { return ''; }
    return new Date(iso).toLocaleString(lang, { timeZone: 'Europe/Berlin', dateStyle: 'medium',
                                                timeStyle: 'short' });
  }

  function day(iso) {
    var parts = iso.split('-');
    var date = new Date(Date.UTC(+parts[0], +parts[1] - 1, +parts[2], 12));
    return date.toLocaleDateString(lang, { timeZone: 'Europe/Berlin', dateStyle: 'medium' });
  }

  function clearMarkers() {
    var canvas = editor.modeler.get('canvas');
    marked.forEach(function (m) { canvas.removeMarker(m[0], m[1]); });
    marked = [];
  }

  function mark(walked, waiting) {
    clearMarkers();
    var canvas = editor.modeler.get('canvas');
    var registry = editor.modeler.get('elementRegistry');
    var done = {};
    walked.forEach(function (id) {
      if (registry.get(id)) { canvas.addMarker(id, 'testrun-walked'); marked.push([id, 'testrun-walked']); done[id] = true; }
    });
    registry.filter(function (e) {
      return e.type === 'bpmn:SequenceFlow' && e.source && e.target &&
        done[e.source.id] && done[e.target.id];
    }).forEach(function (flow) {
      canvas.addMarker(flow.id, 'testrun-walked');
      marked.push([flow.id, 'testrun-walked']);
    });
    waiting.forEach(function (id) {
      if (registry.get(id)) { canvas.addMarker(id, 'testrun-waiting'); marked.push([id, 'testrun-waiting']); }
    });
    return Object.keys(done).length;
  }

  function table(id, caption, headers) {
    var t = el('table', { 'class': 'dash-table testrun-table', id: id });
    t.appendChild(el('caption', {}, caption));
    var row = el('tr');
    headers.forEach(function (h) { row.appendChild(el('th', { scope: 'col' }, h)); });
    t.appendChild(el('thead')).appendChild(row);
    t.appendChild(el('tbody'));
    return t;
  }

  function stepRow(step) {
    var tr = el('tr', { 'data-kind': step.kind, 'data-element': step.element_id || '' });
    tr.appendChild(el('td', { 'class': 'num' }, step.number));
    var what = el('td');
    what.appendChild(el('span', { 'class': 'tag' }, text['kind_' + step.kind] || step.kind));
    what.appendChild(document.createTextNode(' '));
    if (step.element_id && step.process === key) {
      var b = el('button', { type: 'button', 'class': 'link-button' }, step.name);
      b.addEventListener('click', function () { editor.selectElement(step.element_id); });
      what.appendChild(b);
    } else {
      what.appendChild(document.createTextNode(step.name));
      if (step.process && step.process !== key) {
        what.appendChild(el('span', { 'class': 'hint' }, ' (' + text.otherProcess + ' ' + step.process + ')'));
      }
    }
    tr.appendChild(what);
    tr.appendChild(el('td', {}, step.team_name || step.team || '–'));
    tr.appendChild(el('td', {}, when(step.at)));
    tr.appendChild(el('td', { title: step.stage_name || '' }, step.stage));
    var data = el('td', { 'class': 'testrun-data' });
    var keys = Object.keys(step.data || {});
    if (keys.length) {
      var details = el('details');
      details.appendChild(el('summary', {}, keys.join(', ')));
      details.appendChild(el('pre', { 'class': 'mono' }, JSON.stringify(step.data, null, 1)));
      data.appendChild(details);
    } else {
      data.textContent = '–';
    }
    tr.appendChild(data);
    return tr;
  }

  function render(body) {
    var box = $('testrun-result');
    box.textContent = '';
    var count = mark((body.path || {})[key] || [], (body.waiting || {})[key] || []);
    var summary = el('p', { id: 'testrun-summary', 'data-stop': body.stop_reason });
    summary.textContent = (text[body.stop_reason] || text.failed) + ' ' + text.finalStage + ': ' +
      body.final_stage + ' – ' + (body.final_stage_name || '') + '. ' +
      (body.stop_reason === 'error' ? body.message : '');
    box.appendChild(summary);
    box.setAttribute('data-walked', String(count));
    var steps = table('testrun-steps', text.steps, [text.step, text.element, text.team, text.time,
                                                    text.stage, text.data]);
    body.steps.forEach(function (step) { steps.tBodies[0].appendChild(stepRow(step)); });
    box.appendChild(steps);
    var deadlines = table('testrun-deadlines', text.deadlines, [text.key, text.date, text.basis]);
    body.deadlines.forEach(function (d) {
      var tr = el('tr', { 'data-key': d.key });
      tr.appendChild(el('td', {}, d.name || d.key));
      tr.appendChild(el('td', {}, day(d.date)));
      tr.appendChild(el('td', {}, d.legal_basis));
      deadlines.tBodies[0].appendChild(tr);
    });
    if (!body.deadlines.length) {
      var none = el('tr');
      none.appendChild(el('td', { colspan: '3' }, text.none));
      deadlines.tBodies[0].appendChild(none);
    }
    box.appendChild(deadlines);
  }

  function renderProblems(problems) {
    var box = $('testrun-result');
    box.textContent = '';
    clearMarkers();
    var list = el('ul', { 'class': 'editor-problems', id: 'testrun-problems' });
    problems.forEach(function (p) {
      list.appendChild(el('li', {}, (p.element_id || p.file) + ': ' + p.message));
    });
    box.appendChild(list);
  }

  $('testrun-start').addEventListener('click', function () {
    var button = $('testrun-start');
    button.disabled = true;
    status(text.running, '');
    var url = panel.getAttribute('data-url') + '?outcome=' +
      encodeURIComponent($('testrun-outcome').value);
    editor.modeler.saveXML({ format: false }).then(function (result) {
      return fetch(url, {
        method: 'POST', credentials: 'same-origin', body: result.xml,
        headers: { 'Content-Type': 'application/xml', 'Accept': 'application/json',
                   'X-CSRFToken': editor.container.getAttribute('data-csrf') }
      });
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    }).then(function (answer) {
      if (answer.status === 200) {
        render(answer.body);
        status(text.done.replace('%(n)s', answer.body.steps.length),
               answer.body.completed ? 'ok' : 'error');
      } else if (answer.body && answer.body.problems) {
        renderProblems(answer.body.problems);
        status(text.invalid, 'error');
      } else {
        status((answer.body && answer.body.message) || text.error, 'error');
      }
    }).catch(function () {
      status(text.error, 'error');
    }).then(function () { button.disabled = false; });
  });
}());
