/* Process editor, properties form: what Staffel needs of the selected element, edited through
   bpmn-js commands (undo works, the XML round-trip stays lossless):
   - every element: name;
   - user task: form file and SLA (spiffworkflow:properties formJsonSchemaFilename, sla_days);
   - lane: the team (from engine/teams.py; sets the lane name the engine maps to the team);
   - script task: the warm-handover variables the called warm_handover process reads
     (handover_from/to/key/purpose/legal_basis; a value starting with "=" is a Python
     expression, anything else a text);
   - timer event: timeDate / timeDuration / timeCycle and its expression (timer_at(...), ...);
   - sequence flow: the condition (Python). */
(function () {
  'use strict';
  var editor = window.StaffelEditor;
  if (!editor) { return; }
  var modeler = editor.modeler;
  var teams = JSON.parse(document.getElementById('editor-teams').textContent);
  var $ = function (id) { return document.getElementById(id); };
  var HANDOVER = { from: 'handover_from', to: 'handover_to', key: 'handover_key',
                   purpose: 'handover_purpose', basis: 'handover_legal_basis' };
  var TIMER_KINDS = ['timeDate', 'timeDuration', 'timeCycle'];
  var selected = null;

  function moddle() { return modeler.get('moddle'); }
  function is(element, type) { return element && element.businessObject.$instanceOf(type); }

  // -- spiffworkflow:properties ------------------------------------------------------------
  function spiffProps(bo, create) {
    var ext = bo.extensionElements;
    if (!ext && create) {
      ext = moddle().create('bpmn:ExtensionElements', { values: [] });
      ext.$parent = bo;
    }
    if (!ext) { return null; }
    var values = ext.get('values');
    var props = values.filter(function (v) {
      return v.$instanceOf && v.$instanceOf('spiffworkflow:Properties');
    })[0];
    if (!props && create) {
      props = moddle().create('spiffworkflow:Properties', { properties: [] });
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

  function writeProps(bo, values) {
    var found = spiffProps(bo, true);
    var list = found.props.get('properties');
    Object.keys(values).forEach(function (name) {
      var value = values[name];
      var prop = list.filter(function (p) { return p.name === name; })[0];
      if (!value) {
        if (prop) { list.splice(list.indexOf(prop), 1); }
      } else if (prop) {
        prop.value = value;
      } else {
        prop = moddle().create('spiffworkflow:Property', { name: name, value: value });
        prop.$parent = found.props;
        list.push(prop);
      }
    });
    return found.ext;
  }

  // -- handover variables in a script ------------------------------------------------------
  function lineRe(variable) { return new RegExp('^' + variable + '\\s*=\\s*(.*)$', 'm'); }

  function fromPython(expr) {
    var m = /^'((?:[^'\\]|\\.)*)'$/.exec(expr) || /^"((?:[^"\\]|\\.)*)"$/.exec(expr);
    return m ? m[1].replace(/\\(.)/g, '$1') : '=' + expr;
  }

  function toPython(value) {
    if (value.charAt(0) === '=') { return value.slice(1).trim(); }
    return "'" + value.replace(/[\r\n]+/g, ' ').replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'";
  }

  function readHandover(script) {
    var found = {};
    Object.keys(HANDOVER).forEach(function (field) {
      var m = lineRe(HANDOVER[field]).exec(script || '');
      if (m) { found[field] = fromPython(m[1].trim()); }
    });
    return found;
  }

  function writeHandover(script, values) {
    var result = script || '';
    Object.keys(HANDOVER).forEach(function (field) {
      var re = lineRe(HANDOVER[field]);
      var value = values[field];
      if (value === null) {
        result = result.replace(new RegExp(re.source + '\\n?', 'm'), '');
      } else if (re.test(result)) {
        result = result.replace(re, function () { return HANDOVER[field] + ' = ' + toPython(value); });
      } else {
        result = (result && !/\n$/.test(result) ? result + '\n' : result) +
          HANDOVER[field] + ' = ' + toPython(value);
      }
    });
    return result;
  }

  function fillTeamSelect(select, value, lanes) {
    select.textContent = '';
    var known = false;
    var empty = document.createElement('option');
    empty.value = '';
    empty.textContent = '–';
    select.appendChild(empty);
    teams.forEach(function (team) {
      if (!lanes && team.key.charAt(0) === '@') { return; }
      var option = document.createElement('option');
      option.value = lanes ? team.lane : team.key;
      option.textContent = lanes ? team.name : team.name + ' (' + team.key + ')';
      if (option.value === value || (lanes && team.aliases.indexOf(value) >= 0)) {
        option.selected = known = true;
      }
      select.appendChild(option);
    });
    if (value && !known) {
      var other = document.createElement('option');
      other.value = value;
      other.textContent = lanes ? editor.text.unknownLane.replace('%(name)s', value) : value;
      other.selected = true;
      select.appendChild(other);
    }
  }

  // -- timers and conditions ---------------------------------------------------------------
  function timerDefinition(element) {
    var defs = element && element.businessObject.eventDefinitions;
    return (defs || []).filter(function (d) { return d.$instanceOf('bpmn:TimerEventDefinition'); })[0];
  }

  function timerValue(ted) {
    for (var i = 0; i < TIMER_KINDS.length; i += 1) {
      if (ted[TIMER_KINDS[i]]) { return { kind: TIMER_KINDS[i], body: ted[TIMER_KINDS[i]].body || '' }; }
    }
    return { kind: 'timeDate', body: '' };
  }

  function formal(body) { return moddle().create('bpmn:FormalExpression', { body: body }); }

  // -- the form ----------------------------------------------------------------------------
  function section(id, on) { $(id).hidden = !on; }

  function show(element) {
    selected = element && element.type !== 'label' ? element : (element && element.labelTarget) || null;
    if (selected && selected === modeler.get('canvas').getRootElement()) { selected = null; }
    $('prop-fields').disabled = !selected;
    var ted = timerDefinition(selected);
    section('prop-task-fields', is(selected, 'bpmn:UserTask'));
    section('prop-lane-fields', is(selected, 'bpmn:Lane'));
    section('prop-handover-fields', is(selected, 'bpmn:ScriptTask'));
    section('prop-timer-fields', !!ted);
    section('prop-condition-fields', is(selected, 'bpmn:SequenceFlow'));
    $('prop-error').textContent = '';
    $('prop-sla').removeAttribute('aria-invalid');
    $('prop-sla-error').textContent = '';
    if (!selected) {
      $('prop-element').textContent = editor.text.noSelection;
      $('prop-name').value = '';
      return;
    }
    var bo = selected.businessObject;
    $('prop-element').textContent = selected.id + ' (' + bo.$type.replace('bpmn:', '') + ')';
    $('prop-name').value = bo.name || '';
    $('prop-form').value = readProp(bo, 'formJsonSchemaFilename');
    $('prop-sla').value = readProp(bo, 'sla_days');
    if (is(selected, 'bpmn:Lane')) { fillTeamSelect($('prop-team'), bo.name || '', true); }
    if (is(selected, 'bpmn:ScriptTask')) {
      var handover = readHandover(bo.script);
      var on = Object.keys(handover).length > 0;
      $('prop-ho-enabled').checked = on;
      $('prop-ho-values').hidden = !on;
      fillTeamSelect($('prop-ho-from'), handover.from || '', false);
      fillTeamSelect($('prop-ho-to'), handover.to || '', false);
      $('prop-ho-key').value = handover.key || '';
      $('prop-ho-purpose').value = handover.purpose || '';
      $('prop-ho-basis').value = handover.basis || '';
    }
    if (ted) {
      var timer = timerValue(ted);
      $('prop-timer-kind').value = timer.kind;
      $('prop-timer-expr').value = timer.body;
    }
    if (is(selected, 'bpmn:SequenceFlow')) {
      $('prop-condition').value = bo.conditionExpression ? (bo.conditionExpression.body || '') : '';
    }
  }

  function invalid(message, field) {
    $('prop-error').textContent = message;
    if (field) { field.setAttribute('aria-invalid', 'true'); field.focus(); }
  }

  function apply() {
    if (!selected) { return; }
    var modeling = modeler.get('modeling');
    var bo = selected.businessObject;
    var changes = { name: $('prop-name').value.trim() || undefined };
    if (is(selected, 'bpmn:UserTask')) {
      var sla = $('prop-sla').value.trim();
      // 1 to 9999 working days (issue 15, point 14: 0 or negative is refused, as on deploy)
      if (sla && !/^[1-9]\d{0,3}$/.test(sla)) {
        $('prop-sla-error').textContent = editor.text.slaInvalid;
        invalid(editor.text.slaInvalid, $('prop-sla'));
        return;
      }
      changes.extensionElements = writeProps(bo, {
        formJsonSchemaFilename: $('prop-form').value.trim(), sla_days: sla });
    }
    if (is(selected, 'bpmn:ScriptTask')) {
      var on = $('prop-ho-enabled').checked;
      var values = {};
      Object.keys(HANDOVER).forEach(function (field) {
        values[field] = on ? $('prop-ho-' + field).value.trim() : null;
      });
      if (on || Object.keys(readHandover(bo.script)).length) {
        changes.script = writeHandover(bo.script, values);
      }
    }
    var ted = timerDefinition(selected);
    if (ted) {
      var update = {};
      var kind = $('prop-timer-kind').value;
      TIMER_KINDS.forEach(function (k) { update[k] = undefined; });
      update[kind] = formal($('prop-timer-expr').value.trim());
      modeling.updateModdleProperties(selected, ted, update);
    }
    if (is(selected, 'bpmn:SequenceFlow')) {
      var condition = $('prop-condition').value.trim();
      changes.conditionExpression = condition ? formal(condition) : undefined;
    }
    modeling.updateProperties(selected, changes);
    show(selected);
  }

  modeler.on('selection.changed', function (event) {
    show(event.newSelection.length === 1 ? event.newSelection[0] : null);
  });
  modeler.on('elements.changed', function (event) {
    if (selected && event.elements.indexOf(selected) >= 0 &&
        !$('editor-props').contains(document.activeElement)) { show(selected); }
  });
  $('prop-team').addEventListener('change', function () { $('prop-name').value = this.value; });
  $('prop-ho-enabled').addEventListener('change', function () {
    $('prop-ho-values').hidden = !this.checked;
  });
  $('prop-apply').addEventListener('click', apply);
  // the form is never sent: applying writes into the diagram (no inline handler: strict CSP)
  $('editor-props').addEventListener('submit', function (event) { event.preventDefault(); });
  $('editor-props').addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && event.target.tagName === 'INPUT' && event.target.type !== 'checkbox') {
      event.preventDefault();
      apply();
    }
  });
}());
