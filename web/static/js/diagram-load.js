/* Shared by every page with a bpmn-js or dmn-js canvas: fetch the XML named by the container's
   data-xml-url (with the session cookie) and import it into the viewer or modeler.
   StaffelDiagram.load(container, viewer) returns the import promise; a failed request rejects. */
(function () {
  'use strict';
  window.StaffelDiagram = {
    load: function (container, viewer) {
      return fetch(container.getAttribute('data-xml-url'), { credentials: 'same-origin' })
        .then(function (response) {
          if (!response.ok) { throw new Error('HTTP ' + response.status); }
          return response.text();
        })
        .then(function (xml) { return viewer.importXML(xml); });
    }
  };
}());
