/* Supervisor dashboard: draw the charts with Chart.js from the page's JSON (#dashboard-data).
   Every chart's numbers are also in a table on the page, so nothing is lost without script. */
(function () {
  'use strict';
  var source = document.getElementById('dashboard-data');
  if (!source || typeof window.Chart === 'undefined') { return; }
  var data = JSON.parse(source.textContent);
  var Chart = window.Chart;
  var palette = ['#00549f', '#a4000f', '#0a5c2b', '#7a5200', '#5a2d82', '#006d77', '#444444',
                 '#b35900', '#1d70b8'];

  Chart.defaults.font.size = 14;
  Chart.defaults.color = '#111';
  Chart.defaults.animation = false;

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) { return null; }
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false }, config.options);
    canvas.parentNode.style.height = (canvas.getAttribute('height') || 220) + 'px';
    var chart = new Chart(canvas, config);
    canvas.setAttribute('data-ready', 'true');
    return chart;
  }

  var integerAxis = { beginAtZero: true, ticks: { precision: 0 } };

  // Age histogram: one bar per bucket, stacked by team.
  draw('chart-age', {
    type: 'bar',
    data: {
      labels: data.bucketLabels,
      datasets: data.byTeam.map(function (team, i) {
        return { label: team.label, data: team.counts, backgroundColor: palette[i % palette.length] };
      })
    },
    options: { scales: { x: { stacked: true }, y: Object.assign({ stacked: true }, integerAxis) },
               plugins: { legend: { position: 'bottom' } } }
  });

  // Overdue trend over the last 12 weeks.
  draw('chart-trend', {
    type: 'line',
    data: { labels: data.trend.labels,
            datasets: [{ label: data.text.overdue, data: data.trend.values, borderColor: '#a4000f',
                         backgroundColor: 'rgba(164, 0, 15, 0.12)', fill: true, tension: 0.2,
                         pointRadius: 4 }] },
    options: { scales: { y: integerAxis }, plugins: { legend: { display: false } } }
  });

  // Stage funnel: open cases per stage, in lifecycle order.
  draw('chart-stages', {
    type: 'bar',
    data: { labels: data.stages.labels,
            datasets: [{ label: data.text.cases, data: data.stages.values,
                         backgroundColor: data.stages.labels.map(function (_l, i) {
                           return palette[i % palette.length]; }) }] },
    options: { indexAxis: 'y', scales: { x: integerAxis }, plugins: { legend: { display: false } } }
  });

  // New and closed cases per week.
  draw('chart-weeks', {
    type: 'bar',
    data: { labels: data.weeks.labels,
            datasets: [{ label: data.text['new'], data: data.weeks['new'], backgroundColor: '#00549f' },
                       { label: data.text.closed, data: data.weeks.closed, backgroundColor: '#0a5c2b' }] },
    options: { scales: { y: integerAxis }, plugins: { legend: { position: 'bottom' } } }
  });
}());
