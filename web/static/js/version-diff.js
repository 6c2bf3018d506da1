/* Version history: the newer version in a bpmn-js NavigatedViewer with the diff on it —
   added elements green, changed ones amber with a badge whose tooltip lists every changed
   field (old → new). The legend buttons (and a button per element in the lists below) bring
   the next element of their kind into view and announce it in a live region. */
(function () {
  'use strict';
  var container = document.getElementById('diff-canvas');
  if (!container || typeof window.BpmnJS === 'undefined') { return; }
  var data = JSON.parse(document.getElementById('diff-data').textContent);
  var diff = data.diff;
  var viewer = new window.BpmnJS({ container: container });
  var cursor = { added: -1, changed: -1 };

  function show(value) {
    return value === null || value === undefined || value === '' ? '–' : String(value);
  }

  function changeLines(item) {
    return Object.keys(item.changes || {}).map(function (field) {
      var change = item.changes[field];
      return (data.fields[field] || field) + ': ' + show(change.from) + ' → ' + show(change.to);
    });
  }

  function describe(kind, item) {
    var head = data.text[kind] + ': ' + item.element_id + (item.name ? ' (' + item.name + ')' : '');
    return [head].concat(changeLines(item)).join('; ');
  }

  function badge(kind, item) {
    var box = document.createElement('div');
    box.className = 'diff-badge ' + kind;
    box.setAttribute('data-element', item.element_id);
    var mark = document.createElement('span');
    mark.className = 'diff-mark';
    mark.textContent = kind === 'added' ? '+' : '~';
    box.appendChild(mark);
    var tip = document.createElement('div');
    tip.className = 'diff-tooltip';
    tip.setAttribute('role', 'tooltip');
    var lines = kind === 'added' ? [describe(kind, item)] : changeLines(item);
    lines.forEach(function (line) {
      var row = document.createElement('div');
      row.textContent = line;
      tip.appendChild(row);
    });
    box.appendChild(tip);
    box.title = lines.join('\n');
    return box;
  }

  function focusOn(kind, item) {
    var registry = viewer.get('elementRegistry');
    var element = registry.get(item.element_id);
    var canvas = viewer.get('canvas');
    if (element) {
      if (canvas.zoom() < 0.6) { canvas.zoom(0.8); }
      canvas.scrollToElement(element, { top: 120, bottom: 120, left: 160, right: 160 });
      container.querySelectorAll('.diff-badge.focused').forEach(function (b) {
        b.classList.remove('focused');
      });
      var own = container.querySelector('.diff-badge[data-element="' + item.element_id + '"]');
      if (own) { own.classList.add('focused'); }
    }
    document.getElementById('diff-focus').textContent = describe(kind, item);
  }

  function next(kind) {
    var items = diff[kind] || [];
    if (!items.length) { return; }
    cursor[kind] = (cursor[kind] + 1) % items.length;
    focusOn(kind, items[cursor[kind]]);
  }

  function addListButtons() {
    ['added', 'changed'].forEach(function (kind) {
      (diff[kind] || []).forEach(function (item, index) {
        var li = document.querySelector('#version-diff .diff-' + kind + ' > li[data-element="' +
                                        item.element_id + '"]');
        if (!li || !viewer.get('elementRegistry').get(item.element_id)) { return; }
        var b = document.createElement('button');
        b.type = 'button';
        b.className = 'link-button diff-show';
        b.textContent = data.text.show;
        b.addEventListener('click', function () {
          cursor[kind] = index;
          focusOn(kind, item);
          container.scrollIntoView({ block: 'nearest' });
        });
        li.insertBefore(b, li.children[1] || null);
      });
    });
  }

  window.StaffelDiagram.load(container, viewer)
    .then(function () {
      var canvas = viewer.get('canvas');
      var registry = viewer.get('elementRegistry');
      var overlays = viewer.get('overlays');
      var shown = 0;
      ['added', 'changed'].forEach(function (kind) {
        (diff[kind] || []).forEach(function (item) {
          var element = registry.get(item.element_id);
          if (!element) { return; }
          shown += 1;
          canvas.addMarker(element.id, 'diff-' + kind);
          var position = element.waypoints ? { top: -12, left: -12 } : { top: -12, right: 12 };
          overlays.add(element.id, 'diff', { position: position, html: badge(kind, item) });
        });
      });
      canvas.zoom('fit-viewport', 'auto');
      document.querySelectorAll('.legend-button').forEach(function (b) {
        b.addEventListener('click', function () { next(b.getAttribute('data-kind')); });
      });
      addListButtons();
      container.setAttribute('data-marked', String(shown));
      container.setAttribute('data-state', 'ready');
    })
    .catch(function () {
      container.textContent = data.text.error;
      container.setAttribute('data-state', 'error');
    });
}());
