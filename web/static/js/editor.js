/* Process editor: bpmn-js Modeler with live bpmnlint. Save draft / Validate / Deploy post the
   diagram to the page routes; server problems are marked on their elements and listed, the
   bpmnlint hints are listed separately (both lists select the element on click). The
   properties form lives in editor-props.js. Other editor scripts (test run, ...) reach the
   modeler through window.StaffelEditor. */
(function () {
  'use strict';
  var container = document.getElementById('editor-canvas');
  if (!container || typeof window.BpmnJS === 'undefined') { return; }
  var text = JSON.parse(document.getElementById('editor-text').textContent);
  // Just enough of SpiffWorkflow's extension for its elements in our diagrams to round-trip.
  var SPIFF = {
    name: 'SpiffWorkflow', uri: 'http://spiffworkflow.org/bpmn/schema/1.0/core',
    prefix: 'spiffworkflow', xml: { tagAlias: 'lowerCase' }, associations: [],
    types: [
      { name: 'Properties', superClass: ['Element'],
        properties: [{ name: 'properties', type: 'Property', isMany: true }] },
      { name: 'Property', superClass: ['Element'],
        properties: [{ name: 'name', type: 'String', isAttr: true },
                     { name: 'value', type: 'String', isAttr: true }] }
    ].concat(['MessageVariable', 'CalledDecisionId', 'PreScript', 'PostScript',
              'InstructionsForEndUser'].map(function (name) {
      return { name: name, superClass: ['Element'],
               properties: [{ name: 'value', type: 'String', isBody: true }] };
    }))
  };
  var options = { container: container, moddleExtensions: { spiffworkflow: SPIFF },
                  additionalModules: [] };
  // bpmn-js and bpmnlint words in the page language (editor-translate.js, issue 15 point 13)
  var say = window.StaffelTranslate ? window.StaffelTranslate.text : function (t) { return t; };
  if (window.StaffelTranslate) { options.additionalModules.push(window.StaffelTranslate.module); }
  if (window.BpmnJSBpmnlint && window.BpmnlintConfig) {
    options.linting = { bpmnlint: window.BpmnlintConfig, active: true };
    options.additionalModules.push(window.BpmnJSBpmnlint);
  }
  var modeler = new window.BpmnJS(options);
  var $ = function (id) { return document.getElementById(id); };
  var marked = [];

  function status(message, kind) {
    var box = $('editor-status');
    box.textContent = message;
    box.className = 'editor-status ' + (kind || '');
    // errors interrupt (alert), everything else is a polite status
    box.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  }

  // The start view: the whole diagram, scaled to fit the canvas RIGHT of the palette (which
  // floats over the canvas's left edge), with a margin; never zoomed in beyond 100 %.
  function fitBesidePalette() {
    var canvas = modeler.get('canvas');
    canvas.zoom('fit-viewport', 'auto');
    var inner = canvas.viewbox().inner;
    var palette = container.querySelector('.djs-palette');
    var box = container.getBoundingClientRect();
    var margin = 24;
    var left = palette ? palette.getBoundingClientRect().right - box.left + margin : margin;
    var width = box.width - left - margin;
    var height = box.height - 2 * margin;
    if (!inner.width || !inner.height || width <= 0 || height <= 0) { return; }
    var scale = Math.min(width / inner.width, height / inner.height, 1);
    canvas.viewbox({ x: inner.x - left / scale, y: inner.y - margin / scale,
                     width: box.width / scale, height: box.height / scale });
  }

  function selectElement(id) {
    var element = modeler.get('elementRegistry').get(id);
    if (!element) { return; }
    modeler.get('selection').select(element);
    modeler.get('canvas').scrollToElement(element, { top: 100, bottom: 100, left: 150, right: 150 });
  }

  // Other editor scripts (properties form, test run, ...) reach the modeler through this.
  window.StaffelEditor = { modeler: modeler, container: container, text: text,
                           status: status, selectElement: selectElement };
  if ($('editor-fit')) { $('editor-fit').addEventListener('click', function () { fitBesidePalette(); }); }

  function problemItem(label, message, elementId) {
    var li = document.createElement('li');
    li.className = 'problem';
    if (elementId) {
      li.setAttribute('data-element', elementId);
      var b = document.createElement('button');
      b.type = 'button';
      b.className = 'link-button mono';
      b.textContent = label;
      b.addEventListener('click', function () { selectElement(elementId); });
      li.appendChild(b);
      li.appendChild(document.createTextNode(': ' + message));
    } else {
      li.textContent = (label ? label + ': ' : '') + message;
    }
    return li;
  }

  function clearProblems() {
    var canvas = modeler.get('canvas');
    marked.forEach(function (id) { canvas.removeMarker(id, 'editor-problem'); });
    marked = [];
    modeler.get('overlays').remove({ type: 'editor-problem' });
    $('editor-problems').textContent = '';
  }

  function showProblems(problems) {
    clearProblems();
    var canvas = modeler.get('canvas');
    var registry = modeler.get('elementRegistry');
    var overlays = modeler.get('overlays');
    problems.forEach(function (p) {
      var element = p.element_id && registry.get(p.element_id);
      var label = p.element_id || (p.line ? p.file + ':' + p.line : '');
      $('editor-problems').appendChild(problemItem(label, p.message, element ? p.element_id : null));
      if (element && marked.indexOf(p.element_id) < 0) {
        marked.push(p.element_id);
        canvas.addMarker(p.element_id, 'editor-problem');
        var badge = document.createElement('div');
        badge.className = 'editor-problem-badge';
        badge.textContent = '!';
        badge.title = p.message;
        overlays.add(p.element_id, 'editor-problem', { position: { top: -10, left: -10 }, html: badge });
      }
    });
  }

  // bpmnlint: issues = { elementId: [{ id, message, category, rule }] }
  function showLint(issues) {
    var list = $('editor-lint');
    list.textContent = '';
    var count = 0;
    Object.keys(issues || {}).sort().forEach(function (elementId) {
      issues[elementId].forEach(function (issue) {
        count += 1;
        var li = problemItem(elementId, say(issue.message) + ' (' + issue.rule + ')', elementId);
        li.className = 'lint ' + (issue.category || 'warn');
        li.setAttribute('data-rule', issue.rule);
        list.appendChild(li);
      });
    });
    $('editor-lint-none').hidden = count > 0;
    container.setAttribute('data-lint-count', String(count));
  }
  modeler.on('linting.completed', function (event) { showLint(event.issues); });

  function send(url, xml) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin', body: xml,
      headers: { 'Content-Type': 'application/xml', 'Accept': 'application/json',
                 'X-CSRFToken': container.getAttribute('data-csrf') }
    }).then(function (response) {
      if ([200, 201, 409, 422].indexOf(response.status) < 0) {
        throw new Error('HTTP ' + response.status);
      }
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    });
  }

  function post(url) {
    return modeler.saveXML({ format: true }).then(function (result) { return send(url, result.xml); });
  }

  function busy(on) {
    ['editor-save-draft', 'editor-validate', 'editor-deploy'].forEach(function (id) {
      $(id).disabled = on;
    });
  }

  function saveDraft() {
    busy(true);
    var url = container.getAttribute('data-draft-url') + '?base=' +
      encodeURIComponent(container.getAttribute('data-base-version')) + '&revision=' +
      encodeURIComponent(container.getAttribute('data-draft-revision'));
    post(url).then(function (answer) {
      if (answer.status === 200) {
        container.setAttribute('data-draft-revision', String(answer.body.revision));
        container.setAttribute('data-dirty', 'false');
        var time = new Date(answer.body.saved_at).toLocaleTimeString(document.documentElement.lang);
        status(text.draftSaved.replace('%(time)s', time), 'ok');
      } else if (answer.status === 409) {
        status(text.draftStale, 'error');
      } else {
        status(text.draftInvalid + ' ' + (answer.body.errors || []).map(function (e) {
          return e.message;
        }).join('; '), 'error');
      }
    }).catch(function () { status(text.error, 'error'); }).then(function () { busy(false); });
  }

  function validate() {
    busy(true);
    post(container.getAttribute('data-validate-url')).then(function (answer) {
      var found = answer.body.problems || [];
      showProblems(found);
      status(answer.body.valid ? text.valid : text.invalid.replace('%(n)s', found.length),
             answer.body.valid ? 'ok' : 'error');
      container.setAttribute('data-validated', answer.body.valid ? 'valid' : 'invalid');
    }).catch(function () { status(text.error, 'error'); }).then(function () { busy(false); });
  }

  function deploy() {
    busy(true);
    post(container.getAttribute('data-deploy-url')).then(function (answer) {
      if (answer.status === 201) {
        clearProblems();
        status(answer.body['new'] ? text.deployed.replace('%(v)s', answer.body.version)
                                  : text.unchanged, 'ok');
        var link = document.createElement('a');
        link.href = container.getAttribute('data-history-url');
        link.id = 'editor-history-link';
        link.textContent = ' →';
        $('editor-status').appendChild(link);
        container.setAttribute('data-deployed', String(answer.body.version));
        container.setAttribute('data-base-version', String(answer.body.version));
        container.setAttribute('data-draft-revision', '0');  // the deploy removed the draft
        container.setAttribute('data-dirty', 'false');
        var notice = $('draft-notice');
        if (notice) { notice.remove(); }
      } else {
        // a refused deploy says so where the user looks (role=alert): nothing was deployed
        var refused = answer.body.problems || [];
        showProblems(refused);
        status(text.refused.replace('%(n)s', refused.length), 'error');
      }
    }).catch(function () { status(text.error, 'error'); }).then(function () { busy(false); });
  }

  modeler.on('commandStack.changed', function () { container.setAttribute('data-dirty', 'true'); });
  $('editor-save-draft').addEventListener('click', saveDraft);
  $('editor-validate').addEventListener('click', validate);
  $('editor-deploy').addEventListener('click', deploy);

  window.StaffelDiagram.load(container, modeler)
    .then(function () {
      fitBesidePalette();
      busy(false);
      container.setAttribute('data-state', 'ready');
    })
    .catch(function (err) {
      status(text.loadError, 'error');
      container.setAttribute('data-state', 'error');
      container.setAttribute('data-error', String(err && err.message || err));
    });
}());
