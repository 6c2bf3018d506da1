/* Heatmap on the BPMN diagram (bpmn-js NavigatedViewer): for every task element with open
   tasks, a badge "waiting | overdue" coloured by severity, linking to the task list; on every
   call activity the same for the work inside the called process, linking to its heatmap.
   Badges keep their size at any zoom (the whole main diagram fits and stays readable). */
(function () {
  'use strict';
  var container = document.getElementById('heatmap');
  var source = document.getElementById('dashboard-data');
  if (!container || !source || typeof window.BpmnJS === 'undefined') { return; }
  var data = JSON.parse(source.textContent);

  function fail() {
    container.textContent = '';
    var p = document.createElement('p');
    p.className = 'diagram-fallback';
    p.textContent = data.text.diagramError;
    container.appendChild(p);
    container.setAttribute('data-state', 'error');
  }

  function severity(cell) {
    if (!cell.overdue) { return 0; }
    return cell.overdue * 2 >= cell.open ? 2 : 1;
  }

  function badge(cell) {
    var level = severity(cell);
    var link = document.createElement('a');
    link.className = 'heat-badge sev-' + level + (cell.call ? ' heat-call' : '');
    link.href = cell.overdue ? cell.overdueHref : cell.href;
    link.setAttribute('data-element', cell.id);
    link.textContent = cell.open + (cell.overdue ? ' | ' + cell.overdue + ' !' : '');
    link.setAttribute('aria-label', cell.title + ': ' + cell.open + ' ' + data.text.open +
                      ', ' + cell.overdue + ' ' + data.text.late +
                      (cell.call ? ' (' + data.text.inside + ')' : ''));
    link.title = link.getAttribute('aria-label');
    return { link: link, level: level };
  }

  var viewer = new window.BpmnJS({ container: container });
  window.StaffelDiagram.load(container, viewer)
    .then(function () {
      var canvas = viewer.get('canvas');
      var registry = viewer.get('elementRegistry');
      var overlays = viewer.get('overlays');
      if (registry.getAll().length <= 1) { throw new Error('no diagram layout'); }
      canvas.zoom('fit-viewport', 'auto');
      var shown = 0;
      data.heat.forEach(function (cell) {
        var element = registry.get(cell.id);
        if (!element) { return; }
        var made = badge(cell);
        canvas.addMarker(cell.id, 'heat-' + made.level);
        overlays.add(cell.id, 'heat', {
          position: { top: -14, right: 18 }, html: made.link,
          scale: { min: 1, max: 1.5 }  // never shrink below the page's font size
        });
        shown += 1;
      });
      container.setAttribute('data-overlays', String(shown));
      container.setAttribute('data-state', 'ready');
    })
    .catch(fail);
}());
