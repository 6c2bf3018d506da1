/* Case view: show each of the case's diagrams with bpmn-js (NavigatedViewer) and mark where
   the case is (data-open: open tasks, waits, timers, running call activities; marker
   'open-task', a red frame) and the path it has walked (data-done: completed elements; marker
   'done', a light fill). Large diagrams open on the current position; two buttons switch
   between it and the whole diagram. */
(function () {
  'use strict';
  if (typeof window.BpmnJS === 'undefined') { return; }
  var READABLE = 0.55;  // below this zoom a whole diagram is too small to read

  function fail(container) {
    container.textContent = '';
    var p = document.createElement('p');
    p.className = 'diagram-fallback';
    p.textContent = container.getAttribute('data-error');
    container.appendChild(p);
    container.setAttribute('data-state', 'error');
  }

  function centerOn(canvas, element) {
    canvas.zoom(1);
    var box = canvas.viewbox();
    canvas.viewbox({ x: element.x + element.width / 2 - box.width / 2,
                     y: element.y + element.height / 2 - box.height / 2,
                     width: box.width, height: box.height });
  }

  function button(label, onClick) {
    var b = document.createElement('button');
    b.type = 'button';
    b.className = 'button small secondary';
    b.textContent = label;
    b.addEventListener('click', onClick);
    return b;
  }

  function addControls(container, canvas, first) {
    var bar = document.createElement('div');
    bar.className = 'diagram-controls';
    if (first) {
      bar.appendChild(button(container.getAttribute('data-label-focus'),
                             function () { centerOn(canvas, first); }));
    }
    bar.appendChild(button(container.getAttribute('data-label-fit'),
                           function () { canvas.zoom('fit-viewport', 'auto'); }));
    container.parentNode.insertBefore(bar, container);
  }

  function ids(container, name) {
    return (container.getAttribute(name) || '').split(/\s+/).filter(Boolean);
  }

  function show(container) {
    var viewer = new window.BpmnJS({ container: container });
    var openIds = ids(container, 'data-open');
    var doneIds = ids(container, 'data-done').filter(function (id) {
      return openIds.indexOf(id) < 0;
    });
    window.StaffelDiagram.load(container, viewer)
      .then(function () {
        var canvas = viewer.get('canvas');
        var registry = viewer.get('elementRegistry');
        if (registry.getAll().length <= 1) { throw new Error('no diagram layout'); }
        var marked = openIds.map(function (id) { return registry.get(id); }).filter(Boolean);
        doneIds.forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, 'done'); } });
        marked.forEach(function (element) { canvas.addMarker(element.id, 'open-task'); });
        canvas.zoom('fit-viewport', 'auto');
        if (marked.length && canvas.zoom() < READABLE) { centerOn(canvas, marked[0]); }
        addControls(container, canvas, marked[0]);
        container.setAttribute('data-state', 'ready');
      })
      .catch(function () { viewer.destroy(); fail(container); });
  }

  Array.prototype.forEach.call(document.querySelectorAll('.case-diagram'), show);
}());
