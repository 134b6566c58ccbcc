/* Nexa console: drag-and-drop and the keyboard "Move" dialog on the boards, and the dashboards' charts.
   Every move is an htmx POST to the same route a form would use; the server answers with the new board or a message. */
(function () {
  "use strict";
  var dragged = null;

  function csrf() { return document.querySelector('meta[name="csrf-token"]').content; }
  function board() { return document.querySelector("[data-board]"); }

  function move(card, values) {
    var b = board();
    if (b.dataset.scope) { values.scope = b.dataset.scope; }
    return htmx.ajax("POST", card.dataset.moveUrl, {
      source: b, target: "#" + b.id, swap: "outerHTML", values: values, headers: {"X-CSRF-Token": csrf()}
    });
  }

  document.addEventListener("dragstart", function (e) {
    var card = e.target.closest && e.target.closest("[data-move-url]");
    if (!card) { return; }
    dragged = card;
    card.classList.add("dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", card.dataset.id);
  });
  document.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    dragged = null;
    document.querySelectorAll(".column.over").forEach(function (c) { c.classList.remove("over"); });
  });
  document.addEventListener("dragover", function (e) {
    var column = e.target.closest && e.target.closest("[data-column]");
    if (column && dragged) { e.preventDefault(); column.classList.add("over"); }
  });
  document.addEventListener("dragleave", function (e) {
    var column = e.target.closest && e.target.closest("[data-column]");
    if (column && !column.contains(e.relatedTarget)) { column.classList.remove("over"); }
  });
  document.addEventListener("drop", function (e) {
    var column = e.target.closest && e.target.closest("[data-column]");
    if (!column || !dragged) { return; }
    e.preventDefault();
    column.classList.remove("over");
    if (column.dataset.column === dragged.dataset.current) { return; }
    var values = {};
    values[board().dataset.field] = column.dataset.column;
    move(dragged, values);
  });

  // The keyboard path: a card's Move button opens one dialog (stage or status, and a reason where it applies).
  var opener = null;
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-move-open]");
    var dialog = document.getElementById("move-dialog");
    if (button && dialog) {
      opener = button.closest("[data-move-url]");
      dialog.querySelector("[data-move-name]").textContent = opener.dataset.name;
      var select = dialog.querySelector("select");
      select.value = opener.dataset.current;
      var reason = dialog.querySelector('input[name="reason"]');
      if (reason) { reason.value = ""; }
      dialog.showModal();
      select.focus();
    }
    if (e.target.closest && e.target.closest("[data-move-cancel]")) { dialog.close(); }
  });
  document.addEventListener("submit", function (e) {
    var form = e.target.closest("[data-move-form]");
    if (!form || !opener) { return; }
    e.preventDefault();
    var values = {};
    new FormData(form).forEach(function (value, key) { values[key] = value; });
    document.getElementById("move-dialog").close();
    var card = opener, id = card.dataset.id;
    opener = null;
    move(card, values).then(function () {  // keyboard users keep their place: the card's button, wherever it went
      var again = document.querySelector('[data-id="' + id + '"] [data-move-open]');
      if (again) { again.focus(); }
    });
  });

  // ------------------------------------------------------------ inbox thread
  document.addEventListener("click", function (e) {
    if (!(e.target.closest && e.target.closest("[data-insert-suggestion]"))) { return; }
    var reply = document.getElementById("reply-body");
    reply.value = document.getElementById("suggested-text").value;  // the agent's edits to the draft go along
    reply.focus();
    reply.dispatchEvent(new Event("input", {bubbles: true}));  // counts as drafting (presence)
  });
  document.querySelectorAll("[data-tz-offset]").forEach(function (input) { input.value = String(new Date().getTimezoneOffset()); });

  // ------------------------------------------------------------ charts
  var COLORS = {blue: "#0b5cad", green: "#0b6e4f", orange: "#d9822b", grey: "#8a96a3", band: "rgba(11,92,173,0.18)"};

  function num(v) { return v === null || v === undefined ? null : Number(v); }

  var CHARTS = {
    "pipeline": function (d) {
      return {type: "bar", data: {labels: d.rows.map(function (r) { return r.key; }), datasets: [
        {label: "Amount", data: d.rows.map(function (r) { return num(r.amount); }), backgroundColor: COLORS.blue},
        {label: "Weighted", data: d.rows.map(function (r) { return num(r.weighted_value); }), backgroundColor: COLORS.green}
      ]}, empty: d.rows.every(function (r) { return r.count === 0; })};
    },
    "forecast": function (d) {
      var q = d.quarters;
      return {type: "bar", data: {labels: q.map(function (x) { return x.label; }), datasets: [
        {label: "Projected (expected)", data: q.map(function (x) { return num(x.projected.expected); }), backgroundColor: COLORS.blue},
        {label: "Closed won", data: q.map(function (x) { return num(x.closed_won); }), backgroundColor: COLORS.green},
        {label: "80% interval", data: q.map(function (x) { return [num(x.projected.low), num(x.projected.high)]; }),
         backgroundColor: COLORS.band, borderColor: COLORS.blue, borderWidth: 1}
      ]}, empty: q.every(function (x) { return Number(x.projected.high) === 0; })};
    },
    "win-rate": function (d) {
      var m = d.months;
      return {type: "bar", data: {labels: m.map(function (x) { return x.month; }), datasets: [
        {type: "line", label: "Win rate (%)", yAxisID: "y", borderColor: COLORS.blue, backgroundColor: COLORS.blue, spanGaps: false,
         data: m.map(function (x) { return x.rate === null ? null : Math.round(x.rate * 1000) / 10; })},
        {label: "Won", yAxisID: "y1", backgroundColor: COLORS.green, data: m.map(function (x) { return x.won; })},
        {label: "Lost", yAxisID: "y1", backgroundColor: COLORS.grey, data: m.map(function (x) { return x.lost; })}
      ]}, scales: {y: {min: 0, max: 100, position: "left", title: {display: true, text: "%"}},
                   y1: {position: "right", beginAtZero: true, grid: {drawOnChartArea: false}, title: {display: true, text: "deals"}}},
        empty: m.every(function (x) { return x.won + x.lost === 0; })};
    },
    "tickets": function (d) {
      var days = d.days;
      return {type: "line", data: {labels: days.map(function (x) { return x.day; }), datasets: [
        {label: "Expected", data: days.map(function (x) { return x.expected; }), borderColor: COLORS.orange, backgroundColor: COLORS.orange},
        {label: "Low (80%)", data: days.map(function (x) { return x.low; }), borderColor: COLORS.band, pointRadius: 0, fill: false},
        {label: "High (80%)", data: days.map(function (x) { return x.high; }), borderColor: COLORS.band, backgroundColor: COLORS.band,
         pointRadius: 0, fill: "-1"}
      ]}, empty: days.every(function (x) { return x.high === 0; })};
    },
    "campaigns": function (d) {
      var c = d.campaigns;
      return {type: "bar", data: {labels: c.map(function (x) { return x.name; }), datasets: [
        {label: "Actual cost", yAxisID: "y", backgroundColor: COLORS.grey, data: c.map(function (x) { return num(x.actual_cost); })},
        {label: "Won revenue", yAxisID: "y", backgroundColor: COLORS.green, data: c.map(function (x) { return num(x.won_revenue); })},
        {type: "line", label: "ROI (%)", yAxisID: "y1", borderColor: COLORS.orange, backgroundColor: COLORS.orange, showLine: false,
         pointRadius: 5, data: c.map(function (x) { return x.roi === null ? null : Math.round(x.roi * 1000) / 10; })}
      ]}, scales: {y: {beginAtZero: true, position: "left", title: {display: true, text: "amount"}},
                   y1: {position: "right", grid: {drawOnChartArea: false}, title: {display: true, text: "ROI %"}}},
        empty: c.every(function (x) { return x.actual_cost === null && Number(x.won_revenue) === 0; })};
    }
  };

  function draw(canvas) {
    var note = canvas.closest("figure").querySelector(".chart-note");
    fetch(canvas.dataset.src, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.json().then(function (body) { return {ok: r.ok, body: body}; }); })
      .then(function (res) {
        if (!res.ok) { throw new Error(res.body.detail || "the data could not be read"); }
        var spec = CHARTS[canvas.dataset.chart](res.body);
        var scales = spec.scales || {y: {beginAtZero: true}};
        new Chart(canvas, {type: spec.type, data: spec.data, options: {
          responsive: true, maintainAspectRatio: false, animation: false, scales: scales,
          plugins: {legend: {position: "bottom"}}}});
        canvas.dataset.points = String(spec.data.datasets[0].data.length);
        note.textContent = spec.empty ? "No data in this period yet." : "";
        canvas.dataset.state = spec.empty ? "empty" : "ready";
      })
      .catch(function (err) {
        note.textContent = err.message;
        canvas.dataset.state = "error";
      });
  }

  function drawAll() {
    if (typeof Chart === "undefined") { return; }
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }
  if (document.readyState === "complete") { drawAll(); } else { window.addEventListener("load", drawAll); }
})();
