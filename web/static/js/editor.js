/* Process editor: bpmn-js Modeler with live bpmnlint, a small properties form for the selected
   element (name; for user tasks the form file and the SLA, kept in spiffworkflow:properties),
   and Validate / Deploy buttons that post the diagram to the page routes and mark every problem
   on its element. */
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
  var TASK_PROPS = ['formJsonSchemaFilename', 'sla_days'];
  var options = { container: container, moddleExtensions: { spiffworkflow: SPIFF } };
  if (window.BpmnJSBpmnlint && window.BpmnlintConfig) {
    options.linting = { bpmnlint: window.BpmnlintConfig, active: true };
    options.additionalModules = [window.BpmnJSBpmnlint];
  }
  var modeler = new window.BpmnJS(options);
  // Other editor scripts (test run, ...) reach the modeler through this object.
  window.StaffelEditor = { modeler: modeler, container: container };
  var $ = function (id) { return document.getElementById(id); };
  var selected = null;
  var marked = [];

  function status(message, kind) {
    var box = $('editor-status');
    box.textContent = message;
    box.className = 'editor-status ' + (kind || '');
  }

  function spiffProps(bo, create) {
    var ext = bo.extensionElements;
    if (!ext && create) {
      ext = modeler.get('moddle').create('bpmn:ExtensionElements', { values: [] });
      ext.$parent = bo;
    }
    if (!ext) { return null; }
    var values = ext.get('values');
    var props = values.filter(function (v) {
      return v.$instanceOf && v.$instanceOf('spiffworkflow:Properties');
    })[0];
    if (!props && create) {
      props = modeler.get('moddle').create('spiffworkflow:Properties', { properties: [] });
      props.$parent = ext;
      values.push(props);
    }
    return props ? { ext: ext, props: props } : null;
  }

  function readProp(bo, name) {
    var found = spiffProps(bo, false);
    if (!found) { return ''; }
    var prop = found.props.get('properties').filter(function (p) { return p.name === name; })[0];
    return prop ? (prop.value || '') : '';
  }

  function isUserTask(element) {
    return element && element.businessObject.$instanceOf('bpmn:UserTask');
  }

  function showSelection(element) {
    selected = element && element.type !== 'label' ? element : (element && element.labelTarget) || null;
    if (selected && selected === modeler.get('canvas').getRootElement()) { selected = null; }
    $('prop-fields').disabled = !selected;
    $('prop-task-fields').hidden = !isUserTask(selected);
    if (!selected) {
      $('prop-element').textContent = text.noSelection;
      $('prop-name').value = '';
      return;
    }
    var bo = selected.businessObject;
    $('prop-element').textContent = selected.id + ' (' + bo.$type.replace('bpmn:', '') + ')';
    $('prop-name').value = bo.name || '';
    $('prop-form').value = readProp(bo, 'formJsonSchemaFilename');
    $('prop-sla').value = readProp(bo, 'sla_days');
  }

  function apply() {
    if (!selected) { return; }
    var modeling = modeler.get('modeling');
    var changes = { name: $('prop-name').value.trim() || undefined };
    if (isUserTask(selected)) {
      var found = spiffProps(selected.businessObject, true);
      var list = found.props.get('properties');
      TASK_PROPS.forEach(function (name) {
        var value = $(name === 'sla_days' ? 'prop-sla' : 'prop-form').value.trim();
        var prop = list.filter(function (p) { return p.name === name; })[0];
        if (!value) {
          if (prop) { list.splice(list.indexOf(prop), 1); }
        } else if (prop) {
          prop.value = value;
        } else {
          prop = modeler.get('moddle').create('spiffworkflow:Property', { name: name, value: value });
          prop.$parent = found.props;
          list.push(prop);
        }
      });
      changes.extensionElements = found.ext;
    }
    modeling.updateProperties(selected, changes);
    showSelection(selected);
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
      var li = document.createElement('li');
      li.className = 'problem';
      var where = p.element_id ? p.element_id + ': ' : (p.line ? p.file + ':' + p.line + ': ' : '');
      li.textContent = where + p.message;
      if (p.element_id) { li.setAttribute('data-element', p.element_id); }
      $('editor-problems').appendChild(li);
      var element = p.element_id && registry.get(p.element_id);
      if (element && marked.indexOf(p.element_id) < 0) {
        marked.push(p.element_id);
        canvas.addMarker(p.element_id, 'editor-problem');
        var badge = document.createElement('div');
        badge.className = 'editor-problem-badge';
        badge.textContent = '!';
        badge.title = p.message;
        overlays.add(p.element_id, 'editor-problem', { position: { top: -10, left: -10 }, html: badge });
        li.addEventListener('click', function () { modeler.get('selection').select(element); });
      }
    });
  }

  function post(url) {
    return modeler.saveXML({ format: true }).then(function (result) {
      return fetch(url, {
        method: 'POST', credentials: 'same-origin', body: result.xml,
        headers: { 'Content-Type': 'application/xml', 'Accept': 'application/json',
                   'X-CSRFToken': container.getAttribute('data-csrf') }
      });
    }).then(function (response) {
      if (response.status !== 200 && response.status !== 201 && response.status !== 422) {
        throw new Error('HTTP ' + response.status);
      }
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    });
  }

  function busy(on) {
    $('editor-validate').disabled = on;
    $('editor-deploy').disabled = on;
  }

  function validate() {
    busy(true);
    post(container.getAttribute('data-validate-url')).then(function (answer) {
      showProblems(answer.body.problems || []);
      status(answer.body.valid ? text.valid : '', answer.body.valid ? 'ok' : 'error');
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
      } else {
        showProblems(answer.body.problems || []);
        status('', 'error');
      }
    }).catch(function () { status(text.error, 'error'); }).then(function () { busy(false); });
  }

  modeler.on('selection.changed', function (event) {
    showSelection(event.newSelection.length === 1 ? event.newSelection[0] : null);
  });
  $('prop-apply').addEventListener('click', apply);
  $('editor-props').addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && event.target.tagName === 'INPUT') { event.preventDefault(); apply(); }
  });
  $('editor-validate').addEventListener('click', validate);
  $('editor-deploy').addEventListener('click', deploy);

  fetch(container.getAttribute('data-xml-url'), { credentials: 'same-origin' })
    .then(function (response) {
      if (!response.ok) { throw new Error('HTTP ' + response.status); }
      return response.text();
    })
    .then(function (xml) { return modeler.importXML(xml); })
    .then(function () {
      modeler.get('canvas').zoom('fit-viewport', 'auto');
      busy(false);
      container.setAttribute('data-state', 'ready');
    })
    .catch(function () {
      status(text.loadError, 'error');
      container.setAttribute('data-state', 'error');
    });
}());
