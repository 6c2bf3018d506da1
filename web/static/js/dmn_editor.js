/* Decision table editor: dmn-js Modeler on one deployed DMN file. Validate / Deploy post the
   edited XML to the page routes (the engine's deploy validation compiles every cell in the
   sandbox); problems are listed. Other scripts reach the modeler through window.StaffelDmn. */
(function () {
  'use strict';
  var container = document.getElementById('dmn-canvas');
  if (!container || typeof window.DmnJS === 'undefined') { return; }
  var text = JSON.parse(document.getElementById('dmn-text').textContent);
  var $ = function (id) { return document.getElementById(id); };
  var modeler = new window.DmnJS({ container: container });
  window.StaffelDmn = { modeler: modeler, container: container };

  function status(message, kind) {
    var box = $('dmn-status');
    box.textContent = message;
    box.className = 'editor-status ' + (kind || '');
  }

  function showProblems(problems) {
    var list = $('dmn-problems');
    list.textContent = '';
    (problems || []).forEach(function (p) {
      var li = document.createElement('li');
      li.className = 'problem';
      var where = p.element_id ? p.element_id : (p.line ? p.file + ':' + p.line : p.file);
      var code = document.createElement('span');
      code.className = 'mono';
      code.textContent = where;
      li.appendChild(code);
      li.appendChild(document.createTextNode(': ' + p.message));
      list.appendChild(li);
    });
  }

  function openTable() {
    var views = modeler.getViews();
    var table = views.filter(function (v) { return v.type === 'decisionTable'; })[0];
    if (table) { return modeler.open(table); }
    return Promise.resolve();
  }

  function post(url) {
    return modeler.saveXML({ format: true }).then(function (result) {
      return fetch(url, {
        method: 'POST', credentials: 'same-origin', body: result.xml,
        headers: { 'Content-Type': 'application/xml', 'Accept': 'application/json',
                   'X-CSRFToken': container.getAttribute('data-csrf') }
      });
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    });
  }

  function busy(on) {
    $('dmn-validate').disabled = on;
    $('dmn-deploy').disabled = on;
  }

  function report(answer, okText) {
    var body = answer.body || {};
    if (body.valid) {
      showProblems([]);
      status(okText(body), 'ok');
    } else if (body.problems) {
      showProblems(body.problems);
      status(text.problemsFound.replace('%(n)s', body.problems.length), 'error');
    } else {
      status(body.message || text.error, 'error');
    }
  }

  $('dmn-validate').addEventListener('click', function () {
    busy(true);
    post(container.getAttribute('data-validate-url'))
      .then(function (answer) { report(answer, function () { return text.valid; }); })
      .catch(function () { status(text.error, 'error'); })
      .then(function () { busy(false); });
  });

  $('dmn-deploy').addEventListener('click', function () {
    busy(true);
    post(container.getAttribute('data-deploy-url'))
      .then(function (answer) {
        report(answer, function (body) {
          var message = body['new'] ? text.deployed.replace('%(r)s', body.revision) : text.unchanged;
          if (body.versions && body.versions.length) {
            message += ' ' + text.versions + ' ' + body.versions.map(function (v) {
              return v.key + ' v' + v.version;
            }).join(', ');
          }
          return message;
        });
      })
      .catch(function () { status(text.error, 'error'); })
      .then(function () { busy(false); });
  });

  window.StaffelDiagram.load(container, modeler)
    .then(openTable)
    .then(function () {
      busy(false);
      container.setAttribute('data-ready', 'true');
    })
    .catch(function () { status(text.loadError, 'error'); });
}());
