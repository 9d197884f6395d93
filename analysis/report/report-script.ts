/**
 * Browser script of the run report. It reads the model embedded as JSON in
 * `#report-data`, draws the charts with Chart.js (inlined before it), fills
 * the per-call table, sorts it on a header click, and shows a call's detail
 * on a row click. It builds every element with DOM calls and sets text with
 * `textContent`, so no value from the results is parsed as HTML. It needs no
 * timer and no network.
 */
export const REPORT_SCRIPT = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var timeoutMs = data.summary.turn_timeout_ms;
  var COLORS = { caller: '#2563eb', agent: '#15803d', timedOut: '#b91c1c', talkOver: '#d97706', mark: '#7c3aed', parts: ['#60a5fa', '#f59e0b', '#a78bfa', '#34d399'], series: ['#2563eb', '#15803d', '#d97706', '#7c3aed', '#b91c1c', '#5b6673', '#0891b2', '#db2777'] };
  var PART_LABELS = { uplink_ms: 'uplink', agent_response_ms: 'agent response', playout_wait_ms: 'playout wait', downlink_ms: 'downlink' };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var name in attrs || {}) node.setAttribute(name, attrs[name]);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function ms(value) { return value === null || value === undefined ? '-' : String(Math.round(value)); }

  function drawCharts() {
    if (typeof Chart === 'undefined') return;
    Chart.defaults.animation = false;
    Chart.defaults.maintainAspectRatio = false;
    var h = data.histogram;
    new Chart(document.getElementById('histogram'), {
      type: 'bar',
      data: {
        labels: h.binStartsMs.map(function (start) { return start + '-' + (start + h.binWidthMs); }),
        datasets: [
          { label: 'answered', data: h.answered, backgroundColor: COLORS.caller },
          { label: 'with a timed-out turn (lower bound)', data: h.censored, backgroundColor: COLORS.timedOut }
        ]
      },
      options: { scales: { x: { stacked: true, title: { display: true, text: 'mean turn-taking latency per conversation (ms)' } }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'conversations' } } } }
    });

    var t = data.timeline;
    new Chart(document.getElementById('timeline'), {
      type: 'scatter',
      data: { datasets: [
        { label: 'answered', data: t.answered, backgroundColor: COLORS.caller, pointRadius: 3 },
        { label: 'timed out (at the timeout)', data: t.timedOut, backgroundColor: COLORS.timedOut, pointStyle: 'triangle', pointRadius: 5 },
        { label: 'talk-over (at 0)', data: t.talkOver, backgroundColor: COLORS.talkOver, pointStyle: 'rectRot', pointRadius: 5 }
      ] },
      options: {
        scales: { x: { title: { display: true, text: 'end of caller speech, s from the start of the run' } }, y: { beginAtZero: true, title: { display: true, text: 'turn latency (ms)' } } },
        plugins: { tooltip: { callbacks: { label: function (item) { var p = item.raw; return p.call + ' turn ' + p.turn + ': ' + Math.round(p.y) + ' ms at ' + p.x + ' s'; } } } }
      }
    });

    new Chart(document.getElementById('breakdown'), {
      type: 'bar',
      data: {
        labels: ['mean per turn'],
        datasets: data.breakdown.map(function (part, index) { return { label: PART_LABELS[part.component], data: [part.mean], backgroundColor: COLORS.parts[index] }; })
      },
      options: { indexAxis: 'y', scales: { x: { stacked: true, beginAtZero: true, title: { display: true, text: 'ms' } }, y: { stacked: true } } }
    });

    if (data.switchMetrics) drawSwitchCharts(data.switchMetrics);
  }

  function drawSwitchCharts(metrics) {
    function lineChart(id, series, scales, stepped) {
      var canvas = document.getElementById(id);
      if (!canvas) return;
      new Chart(canvas, {
        type: 'line',
        data: { datasets: series.map(function (line, index) {
          var color = COLORS.series[index % COLORS.series.length];
          return {
            label: line.label,
            data: line.values.map(function (value, sample) { return { x: metrics.seconds[sample], y: value }; }),
            borderColor: color, backgroundColor: color, borderWidth: 2, pointRadius: 0, stepped: stepped,
            borderDash: line.dashed ? [6, 4] : [], yAxisID: line.rightAxis ? 'right' : 'y'
          };
        }) },
        options: {
          interaction: { mode: 'nearest', axis: 'x', intersect: false },
          scales: scales
        }
      });
    }
    function countAxis(title, position) {
      return { position: position, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: title } };
    }
    var xAxis = { type: 'linear', title: { display: true, text: 's from the start of the run' } };
    lineChart('switch-calls', metrics.calls, { x: xAxis, y: countAxis('calls at the sample', 'left') }, false);
    if (metrics.routing) {
      lineChart('switch-routing', metrics.routing, { x: xAxis, y: countAxis('workers', 'left'), right: Object.assign(countAxis('queued setups and frames', 'right'), { grid: { drawOnChartArea: false } }) }, false);
    }
    lineChart('switch-counters', metrics.counters, { x: xAxis, y: countAxis('count since the switch started', 'left') }, true);
  }

  var COLUMNS = [
    { key: 'call_id', label: 'call', text: true },
    { key: 'row', label: 'row' },
    { key: 'repeat', label: 'repeat' },
    { key: 'dialed_at_s', label: 'dialled (s)' },
    { key: 'completed', label: 'completed', text: true, show: function (c) { return c.completed ? 'yes' : 'no'; } },
    { key: 'avg_latency_ms', label: 'latency (ms)', show: function (c) { return c.avg_latency_ms === null ? '-' : (c.avg_latency_censored ? '>= ' : '') + ms(c.avg_latency_ms); } },
    { key: 'max_turn_latency_ms', label: 'max turn (ms)', show: function (c) { return ms(c.max_turn_latency_ms); } },
    { key: 'answered_turns', label: 'answered', show: function (c) { return c.answered_turns + '/' + c.total_turns; } },
    { key: 'talk_overs', label: 'talk-overs' },
    { key: 'setup_ms', label: 'setup (ms)', show: function (c) { return ms(c.setup_ms); } },
    { key: 'time_to_greeting_ms', label: 'greeting (ms)', show: function (c) { return ms(c.time_to_greeting_ms); } },
    { key: 'duration_ms', label: 'duration (ms)', show: function (c) { return ms(c.duration_ms); } },
    { key: 'content', label: 'content', text: true },
    { key: 'end_reason', label: 'end reason', text: true },
    { key: 'start_failure', label: 'start failure', text: true, show: function (c) { return c.start_failure || ''; } }
  ];
  var sortState = { key: null, descending: false };

  function compareValues(a, b) {
    if (a === b) return 0;
    if (a === null || a === undefined) return 1;
    if (b === null || b === undefined) return -1;
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    if (typeof a === 'boolean') return (a ? 1 : 0) - (b ? 1 : 0);
    return String(a).localeCompare(String(b), undefined, { numeric: true });
  }

  function sortedCalls() {
    var key = sortState.key;
    var order = data.calls.map(function (call, index) { return { call: call, index: index }; });
    if (key === null) return data.calls;
    order.sort(function (x, y) {
      var a = x.call[key], b = y.call[key];
      var missing = (a === null || a === undefined) - (b === null || b === undefined);
      if (missing !== 0) return missing;
      var result = compareValues(a, b);
      if (sortState.descending) result = -result;
      return result !== 0 ? result : x.index - y.index;
    });
    return order.map(function (entry) { return entry.call; });
  }

  function buildTable() {
    var table = document.getElementById('calls');
    var headRow = el('tr');
    COLUMNS.forEach(function (column) {
      var th = el('th', { 'data-key': column.key, scope: 'col', 'aria-sort': 'none', class: column.text ? 'text' : '' }, column.label);
      th.addEventListener('click', function () {
        sortState.descending = sortState.key === column.key ? !sortState.descending : false;
        sortState.key = column.key;
        fillRows();
      });
      headRow.appendChild(th);
    });
    table.querySelector('thead').appendChild(headRow);
    fillRows();
  }

  function fillRows() {
    var table = document.getElementById('calls');
    table.querySelectorAll('thead th').forEach(function (th) {
      var key = th.getAttribute('data-key');
      var sort = 'none';
      if (key === sortState.key) sort = sortState.descending ? 'descending' : 'ascending';
      th.setAttribute('aria-sort', sort);
    });
    var body = table.querySelector('tbody');
    body.replaceChildren();
    sortedCalls().forEach(function (call) {
      var tr = el('tr', { 'data-call-id': call.call_id });
      COLUMNS.forEach(function (column) {
        var value = column.show ? column.show(call) : call[column.key];
        var td = el('td', { 'data-key': column.key, class: column.text ? 'text' : '' }, value);
        if (column.key === 'completed') td.classList.add(call.completed ? 'good' : 'bad');
        tr.appendChild(td);
      });
      tr.addEventListener('click', function () { showDetail(call, tr); });
      body.appendChild(tr);
    });
  }

  function showDetail(call, row) {
    document.querySelectorAll('#calls tbody tr.selected').forEach(function (tr) { tr.classList.remove('selected'); });
    row.classList.add('selected');
    var section = document.getElementById('call-detail');
    section.replaceChildren();
    section.appendChild(el('h2', {}, 'Call ' + call.call_id));
    section.appendChild(callFacts(call));
    if (call.recording) section.appendChild(recordingPlayer(call));
    section.appendChild(el('h3', {}, 'Turn timeline'));
    section.appendChild(callTimeline(call));
    section.appendChild(el('h3', {}, 'Turns'));
    section.appendChild(el('div', { class: 'scroll-x' })).appendChild(turnTable(call));
    section.hidden = false;
    section.scrollIntoView({ block: 'start' });
  }

  function callFacts(call) {
    var facts = el('dl', { class: 'facts' });
    var rows = [
      ['completed', call.completed ? 'yes' : 'no, because ' + (call.not_completed_because.join(', ') || 'unknown')],
      ['end reason', call.end_reason],
      ['start failure', call.start_failure || 'none'],
      ['expected result', call.expected_result],
      ['content', call.content],
      ['dialled at', call.dialed_at_s + ' s into the run'],
      ['duration', ms(call.duration_ms) + ' ms'],
      ['setup', ms(call.setup_ms) + ' ms'],
      ['time to greeting', ms(call.time_to_greeting_ms) + ' ms'],
      ['marks', call.marks.length === 0 ? 'none' : call.marks.map(function (m) { return m.name + ' at ' + ms(m.at_ms) + ' ms'; }).join(', ')]
    ];
    if (call.error) rows.push(['error', call.error]);
    rows.forEach(function (pair) { facts.appendChild(el('dt', {}, pair[0])); facts.appendChild(el('dd', {}, pair[1])); });
    return facts;
  }

  function recordingPlayer(call) {
    var box = el('div', { class: 'recording' });
    var audio = el('audio', { id: 'call-audio', controls: '', preload: 'auto', src: call.recording });
    var button = el('button', { id: 'play-recording', type: 'button' }, 'Play recording');
    var status = el('span', { class: 'muted', id: 'recording-status' }, 'caller left, agent right');
    button.addEventListener('click', function () {
      audio.play().then(function () { status.textContent = 'playing'; }, function (err) { status.textContent = 'cannot play: ' + err.message; });
    });
    box.appendChild(audio);
    box.appendChild(button);
    box.appendChild(status);
    return box;
  }

  var SVG = 'http://www.w3.org/2000/svg';
  function svgEl(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    for (var name in attrs) node.setAttribute(name, attrs[name]);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function callTimeline(call) {
    var width = 1000, left = 60, right = 20;
    var end = call.duration_ms;
    call.turns.forEach(function (turn) { end = Math.max(end, turn.answer_end_ms || 0, turn.end_of_speech_ms + (turn.timed_out ? timeoutMs : 0)); });
    end = Math.max(end, 1);
    var x = function (t) { return left + (Math.max(0, t) / end) * (width - left - right); };
    var svg = svgEl('svg', { class: 'call-timeline', viewBox: '0 0 ' + width + ' 150', role: 'img', 'aria-label': 'turn timeline of call ' + call.call_id });
    svg.appendChild(svgEl('text', { x: 4, y: 32 }, 'caller'));
    svg.appendChild(svgEl('text', { x: 4, y: 82 }, 'agent'));
    svg.appendChild(svgEl('text', { x: 4, y: 122 }, 'marks'));
    function bar(from, to, y, color, label) {
      var rect = svgEl('rect', { x: x(from), y: y, width: Math.max(1, x(to) - x(from)), height: 20, fill: color, 'fill-opacity': 0.75, rx: 2 });
      rect.appendChild(svgEl('title', {}, label));
      svg.appendChild(rect);
    }
    call.turns.forEach(function (turn) {
      bar(turn.speech_start_ms, turn.end_of_speech_ms, 18, COLORS.caller, 'turn ' + turn.turn + ' caller: ' + turn.text);
      if (turn.timed_out) {
        bar(turn.end_of_speech_ms, turn.end_of_speech_ms + timeoutMs, 68, COLORS.timedOut, 'turn ' + turn.turn + ' timed out after ' + timeoutMs + ' ms');
        svg.appendChild(svgEl('text', { x: x(turn.end_of_speech_ms) + 2, y: 62, fill: COLORS.timedOut }, 'timed out'));
      } else if (turn.onset_ms !== null) {
        var color = turn.talk_over ? COLORS.talkOver : COLORS.agent;
        bar(turn.onset_ms, turn.answer_end_ms !== null ? turn.answer_end_ms : turn.onset_ms + 200, 68, color, 'turn ' + turn.turn + ' agent answer');
        var label = turn.talk_over ? 'talk-over ' + ms(turn.talk_over_offset_ms) + ' ms' : ms(turn.latency_ms) + ' ms';
        svg.appendChild(svgEl('line', { x1: x(turn.end_of_speech_ms), x2: x(turn.onset_ms), y1: 54, y2: 54, stroke: color, 'stroke-width': 2 }));
        svg.appendChild(svgEl('text', { x: x(Math.min(turn.end_of_speech_ms, turn.onset_ms)), y: 50 }, label));
      }
      if (turn.late_answer_ms !== undefined) {
        svg.appendChild(svgEl('text', { x: x(turn.end_of_speech_ms) + 2, y: 104, fill: COLORS.timedOut }, 'late answer ' + ms(turn.late_answer_ms) + ' ms'));
      }
    });
    call.marks.forEach(function (mark) {
      var tick = svgEl('line', { x1: x(mark.at_ms), x2: x(mark.at_ms), y1: 110, y2: 128, stroke: COLORS.mark, 'stroke-width': 2 });
      tick.appendChild(svgEl('title', {}, mark.name + ' at ' + ms(mark.at_ms) + ' ms'));
      svg.appendChild(tick);
    });
    svg.appendChild(svgEl('line', { x1: x(call.duration_ms), x2: x(call.duration_ms), y1: 10, y2: 140, stroke: '#5b6673', 'stroke-dasharray': '4 3' }));
    svg.appendChild(svgEl('text', { x: x(call.duration_ms) - 4, y: 145, 'text-anchor': 'end' }, 'end: ' + call.end_reason + ' at ' + ms(call.duration_ms) + ' ms'));
    return svg;
  }

  function turnTable(call) {
    var headers = ['turn', 'caller text', 'speech start', 'end of speech', 'onset', 'answer end', 'latency', 'talk-over', 'late answer', 'fragments', 'uplink', 'agent response', 'playout wait', 'downlink'];
    var table = el('table', { class: 'turns' });
    var head = el('tr');
    headers.forEach(function (name) { head.appendChild(el('th', {}, name)); });
    table.appendChild(el('thead')).appendChild(head);
    var body = table.appendChild(el('tbody'));
    call.turns.forEach(function (turn) {
      var b = turn.breakdown || {};
      var latency = turn.timed_out ? 'timed out' : ms(turn.latency_ms);
      var cells = [turn.turn, turn.text, ms(turn.speech_start_ms), ms(turn.end_of_speech_ms), ms(turn.onset_ms), ms(turn.answer_end_ms), latency,
        turn.talk_over ? ms(turn.talk_over_offset_ms) + ' ms' : 'no', ms(turn.late_answer_ms), turn.fragments,
        ms(b.uplink_ms), ms(b.agent_response_ms), ms(b.playout_wait_ms), ms(b.downlink_ms)];
      var tr = el('tr');
      cells.forEach(function (cell, index) { tr.appendChild(el('td', { class: index === 1 ? 'text' : '' }, cell)); });
      body.appendChild(tr);
    });
    return table;
  }

  drawCharts();
  buildTable();
})();
`;
