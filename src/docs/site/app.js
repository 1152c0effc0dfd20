// The mozt docs site: a single page with hash routes over window.MOZT_DOCS (written by
// `mozt docs generate` into data.js):
//   #/                       overview
//   #/search/<text>          search over names, descriptions and column names
//   #/node/<unique id>       a model, seed, snapshot, source, test or Braze sync
//   #/dag/<selector>         the DAG of a selection, in mozt's selector syntax
//   #/lineage/<id>/<column>  a column's lineage: upstream to sources, downstream to Braze syncs
"use strict";

(function () {
  var T = MoztText, esc = T.esc;
  var DAG_CAP = 400;
  var LINEAGE_CAP = 300;
  var app = document.getElementById("app");
  var main = document.getElementById("main");

  if (!window.MOZT_DOCS) {
    main.innerHTML = '<div class="error-box"><h2>No data</h2><p>' +
      esc(window.MOZT_DOCS_ERROR || "data.js did not load: run `mozt docs generate` (with --static for a folder to open) and reload.") +
      "</p></div>";
    return;
  }
  var D = window.MOZT_DOCS;

  // ---- the graph of nodes and sources -------------------------------------------------------
  var items = D.nodes.concat(D.sources);
  var byId = {};
  items.forEach(function (n) { byId[n.id] = n; });
  var parents = {}, children = {}, testsOf = {};
  items.forEach(function (n) { parents[n.id] = []; children[n.id] = []; });
  D.nodes.forEach(function (n) {
    (n.depends_on || []).forEach(function (p) {
      if (!byId[p]) return;
      parents[n.id].push(p);
      children[p].push(n.id);
    });
    if (n.test && n.test.attached_to) (testsOf[n.test.attached_to] = testsOf[n.test.attached_to] || []).push(n);
  });
  var graph = { items: items, parents: parents, children: children, project: (D.metadata || {}).project_name || "" };

  function isBraze(n) { return /^braze_/.test(n.materialized || ""); }
  function isTest(n) { return n.kind === "test" || n.kind === "unit_test"; }
  function kindLabel(n) {
    if (isBraze(n)) return "braze sync";
    return n.kind.replace("_", " ");
  }
  function kindClass(n) { return isBraze(n) ? "k-braze" : "k-" + n.kind; }
  function nodeHref(id) { return "#/node/" + encodeURIComponent(id); }
  function lineageHref(id, col) { return "#/lineage/" + encodeURIComponent(id) + "/" + encodeURIComponent(col); }
  function dagHref(sel) { return "#/dag/" + encodeURIComponent(sel); }
  function selectorOf(n) { return n.kind === "source" ? "source:" + n.name : n.name; }
  function link(n) {
    return '<a class="node-link" href="' + nodeHref(n.id) + '" data-id="' + esc(n.id) + '">' + esc(n.name) + "</a>";
  }

  // Status of a run result or a freshness result, as a coloured badge.
  function statusBadge(status) {
    if (!status) return "";
    var cls = { success: "ok", pass: "ok", warn: "warn", error: "bad", fail: "bad", runtime_error: "bad", skipped: "muted" }[status] || "muted";
    return '<span class="status ' + cls + '">' + esc(status) + "</span>";
  }
  // 2026-12-07T07:34:12.356538082+00:00 -> 2026-12-07 07:34:12 UTC
  function when(iso) {
    var m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.\d+)?(Z|\+00:00)?/.exec(iso || "");
    return m ? m[1] + " " + m[2] + (m[3] ? " UTC" : "") : String(iso || "");
  }
  function seconds(t) { return typeof t === "number" ? (t < 10 ? t.toFixed(2) : t.toFixed(1)) + "s" : ""; }
  function bytes(b) {
    if (typeof b !== "number") return "";
    var u = ["B", "KB", "MB", "GB", "TB"], i = 0;
    while (b >= 1024 && i < u.length - 1) { b /= 1024; i++; }
    return b.toFixed(i ? 1 : 0) + " " + u[i];
  }

  // ---- sidebar ---------------------------------------------------------------------------
  function sidebar() {
    var groups = [
      ["Braze syncs", function (n) { return isBraze(n); }],
      ["Models", function (n) { return n.kind === "model" && !isBraze(n); }],
      ["Sources", function (n) { return n.kind === "source"; }],
      ["Seeds", function (n) { return n.kind === "seed"; }],
      ["Snapshots", function (n) { return n.kind === "snapshot"; }],
      ["Tests", function (n) { return isTest(n); }],
    ];
    var nav = document.getElementById("sidebar");
    nav.innerHTML = "";
    groups.forEach(function (g, gi) {
      var members = items.filter(g[1]).sort(function (a, b) { return a.name < b.name ? -1 : a.name > b.name ? 1 : 0; });
      if (!members.length) return;
      var det = document.createElement("details");
      if (gi < 2 && members.length <= 200) det.open = true;
      det.innerHTML = "<summary>" + esc(g[0]) + ' <span class="count">' + members.length + "</span></summary>";
      var ul = document.createElement("ul");
      det.appendChild(ul);
      var filled = false;
      function fill() {
        if (filled) return;
        filled = true;
        // A very long group shows its first 2,000 names (search finds the rest).
        ul.innerHTML = members.slice(0, 2000).map(function (n) {
          return '<li><a href="' + nodeHref(n.id) + '" class="' + kindClass(n) + '" title="' + esc(n.name) + '">' + esc(n.name) + "</a></li>";
        }).join("") + (members.length > 2000 ? '<li class="muted">and ' + (members.length - 2000) + " more: use search</li>" : "");
      }
      if (det.open) fill();
      det.addEventListener("toggle", fill);
      nav.appendChild(det);
    });
  }

  // ---- search ----------------------------------------------------------------------------
  var searchIndex = items.map(function (n) {
    return {
      n: n,
      name: n.name.toLowerCase(),
      desc: (n.description || "").toLowerCase(),
      cols: (n.columns || []).map(function (c) { return c.name.toLowerCase(); }),
    };
  });

  function search(text) {
    var q = text.trim().toLowerCase();
    if (!q) return [];
    var hits = [];
    searchIndex.forEach(function (e) {
      var score = 0, why = "";
      if (e.name === q) score = 100;
      else if (e.name.indexOf(q) === 0) score = 80;
      else if (e.name.indexOf(q) >= 0) score = 60;
      var col = null;
      for (var i = 0; i < e.cols.length; i++) {
        if (e.cols[i].indexOf(q) >= 0) { col = e.n.columns[i].name; break; }
      }
      if (!score && col) { score = 40; why = "column " + col; }
      if (!score && e.desc.indexOf(q) >= 0) { score = 20; why = "description"; }
      if (score) {
        if (isTest(e.n)) score -= 10;
        hits.push({ n: e.n, score: score, why: why, col: col });
      }
    });
    hits.sort(function (a, b) { return b.score - a.score || a.n.name.length - b.n.name.length || (a.n.name < b.n.name ? -1 : 1); });
    return hits;
  }

  function highlight(text, q) {
    var i = text.toLowerCase().indexOf(q.toLowerCase());
    if (!q || i < 0) return esc(text);
    return esc(text.slice(0, i)) + "<mark>" + esc(text.slice(i, i + q.length)) + "</mark>" + esc(text.slice(i + q.length));
  }

  function snippet(desc, q) {
    if (!desc) return "";
    var i = desc.toLowerCase().indexOf(q.toLowerCase());
    var start = Math.max(0, i - 60);
    var s = (start ? "\u2026" : "") + desc.slice(start, start + 180) + (desc.length > start + 180 ? "\u2026" : "");
    return highlight(s, q);
  }

  function pageSearch(text) {
    var box = document.getElementById("search");
    if (box.value !== text) box.value = text;
    var hits = search(text);
    var shown = hits.slice(0, 100);
    main.innerHTML = '<h1>Search</h1><p class="muted" id="search-count">' + hits.length + " result" + (hits.length === 1 ? "" : "s") +
      " for \u201c" + esc(text) + "\u201d" + (hits.length > shown.length ? " (first " + shown.length + " shown)" : "") + "</p>" +
      '<ul class="results">' + shown.map(function (h) {
        return '<li class="result"><a href="' + nodeHref(h.n.id) + '" data-id="' + esc(h.n.id) + '">' + highlight(h.n.name, text) + "</a> " +
          '<span class="badge ' + kindClass(h.n) + '">' + esc(kindLabel(h.n)) + "</span>" +
          (h.why ? ' <span class="muted">matched ' + highlight(h.why, text) + "</span>" : "") +
          '<div class="snippet">' + snippet(h.n.description || "", text) + "</div></li>";
      }).join("") + "</ul>";
  }

  // ---- overview --------------------------------------------------------------------------
  function pageOverview() {
    var m = D.metadata || {};
    var count = function (f) { return items.filter(f).length; };
    var runs = D.nodes.filter(function (n) { return n.run; });
    var byStatus = {};
    runs.forEach(function (n) { byStatus[n.run.status] = (byStatus[n.run.status] || 0) + 1; });
    var syncs = D.nodes.filter(isBraze);
    var fresh = D.sources.filter(function (s) { return s.freshness; });
    main.innerHTML = "<h1>" + esc(m.project_name || "Project") + "</h1>" +
      '<p class="muted">Generated ' + esc(when(m.generated_at)) + " from target <b>" + esc(m.target_name || "") + "</b> (" + esc(m.adapter_type || "") + ") by mozt " + esc(m.mozt_version || "") + "</p>" +
      '<div class="cards">' +
      card("Models", count(function (n) { return n.kind === "model"; })) +
      card("Braze syncs", syncs.length) +
      card("Sources", D.sources.length) +
      card("Seeds", count(function (n) { return n.kind === "seed"; })) +
      card("Snapshots", count(function (n) { return n.kind === "snapshot"; })) +
      card("Tests", count(isTest)) +
      "</div>" +
      "<h2>Last run</h2>" + (runs.length ? "<p>" + Object.keys(byStatus).map(function (s) { return statusBadge(s) + " " + byStatus[s]; }).join(" &nbsp; ") + "</p>"
        : '<p class="muted">No target/run_results.json: run <code>mozt build</code>, then <code>mozt docs generate</code>.</p>') +
      "<h2>Braze syncs</h2>" + (syncs.length ? '<table class="grid"><tr><th>Sync</th><th>Materialized</th><th>Last run</th><th>Upstream</th></tr>' +
        syncs.map(function (n) {
          return "<tr><td>" + link(n) + "</td><td>" + esc(n.materialized) + "</td><td>" + (n.run ? statusBadge(n.run.status) + " " + seconds(n.run.execution_time) : "") +
            '</td><td><a href="' + dagHref("+" + n.name) + '">DAG of +' + esc(n.name) + "</a></td></tr>";
        }).join("") + "</table>" : '<p class="muted">None.</p>') +
      "<h2>Source freshness</h2>" + (fresh.length ? '<table class="grid"><tr><th>Source</th><th>Status</th><th>Last loaded</th></tr>' +
        fresh.map(function (s) {
          return "<tr><td>" + link(s) + "</td><td>" + statusBadge(s.freshness.status) + "</td><td>" + esc(when(s.freshness.max_loaded_at)) + "</td></tr>";
        }).join("") + "</table>" : '<p class="muted">No target/sources.json: run <code>mozt source freshness</code>.</p>') +
      '<h2>Explore</h2><p>Search above, or draw the <a href="' + dagHref("") + '">whole DAG</a>, or a selection such as <a href="' + dagHref("tag:braze") + '">tag:braze</a>.</p>';
  }
  function card(label, n) { return '<div class="card"><div class="num">' + n + '</div><div class="muted">' + esc(label) + "</div></div>"; }

  // ---- a node's page ---------------------------------------------------------------------
  function testLabel(t) {
    if (t.kind === "unit_test") return "unit: " + t.name;
    var info = t.test || {};
    var name = info.test_name || t.name;
    var kw = info.kwargs || {};
    if (name === "accepted_values" && kw.values) name += " (" + [].concat(kw.values).join(", ") + ")";
    if (name === "relationships" && kw.to) name += " \u2192 " + kw.to + (kw.field ? "." + kw.field : "");
    return name;
  }
  function testBadge(t) {
    var st = t.run ? t.run.status : "";
    return '<a class="test-badge ' + (st ? "st-" + st : "") + '" href="' + nodeHref(t.id) + '" title="' + esc(t.name + (st ? ": " + st : "")) + '">' + esc(testLabel(t)) +
      (st ? " " + statusBadge(st) : "") + "</a>";
  }

  function pageNode(id) {
    var n = byId[id];
    if (!n) { main.innerHTML = '<div class="error-box">No node <code>' + esc(id) + "</code> in this project.</div>"; return; }
    var tests = testsOf[n.id] || [];
    var html = [];
    html.push('<div class="node-head"><h1 id="node-title">' + esc(n.name) + '</h1> <span class="badge ' + kindClass(n) + '">' + esc(kindLabel(n)) + "</span>" +
      (n.materialized && n.kind === "model" ? ' <span class="badge plain">' + esc(n.materialized) + "</span>" : "") + "</div>");
    var facts = [];
    if (n.relation) facts.push(["Relation", "<code>" + esc(n.relation) + "</code>"]);
    if (n.path) facts.push(["File", "<code>" + esc(n.path) + "</code>"]);
    if (n.owner) facts.push(["Owner", esc(n.owner)]);
    if (n.tags && n.tags.length) facts.push(["Tags", n.tags.map(function (t) { return '<a class="tag" href="' + dagHref("tag:" + t) + '">' + esc(t) + "</a>"; }).join(" ")]);
    if (n.run) facts.push(["Last run", statusBadge(n.run.status) + " " + esc(seconds(n.run.execution_time)) + (n.run.generated_at ? ' <span class="muted">at ' + esc(when(n.run.generated_at)) + "</span>" : "") +
      (n.run.message ? '<div class="muted run-message">' + esc(n.run.message) + "</div>" : "")]);
    else if (!isTest(n) && n.kind !== "source") facts.push(["Last run", '<span class="muted">not in target/run_results.json</span>']);
    if (n.kind === "source") {
      if (n.loaded_at_field) facts.push(["Loaded at", "<code>" + esc(n.loaded_at_field) + "</code>"]);
      var fc = n.freshness_config || {};
      var after = function (a) { return a && a.count != null ? a.count + " " + a.period + (a.count === 1 ? "" : "s") : null; };
      var rule = [after(fc.warn_after) && "warn after " + after(fc.warn_after), after(fc.error_after) && "error after " + after(fc.error_after)].filter(Boolean);
      if (rule.length) facts.push(["Freshness rule", esc(rule.join(", "))]);
      if (n.freshness) facts.push(["Freshness", statusBadge(n.freshness.status) + " last loaded " + esc(when(n.freshness.max_loaded_at) || "?") +
        (typeof n.freshness.max_loaded_at_time_ago_in_s === "number" ? " (" + Math.round(n.freshness.max_loaded_at_time_ago_in_s / 3600) + " h before the check)" : "")]);
      else if (n.freshness_config) facts.push(["Freshness", '<span class="muted">not checked yet (mozt source freshness)</span>']);
    }
    var cat = n.catalog;
    if (cat) {
      var st = cat.stats || {};
      var parts = [esc(cat.metadata.type)];
      if (st.row_count) parts.push(esc(String(st.row_count.value)) + " rows");
      if (st.bytes) parts.push(bytes(st.bytes.value));
      if (cat.metadata.owner) parts.push("owner " + esc(cat.metadata.owner));
      facts.push(["Warehouse", parts.join(" \u00b7 ")]);
    }
    if (tests.length) {
      var passed = tests.filter(function (t) { return t.run && t.run.status === "pass"; }).length;
      var failed = tests.filter(function (t) { return t.run && (t.run.status === "fail" || t.run.status === "error"); }).length;
      facts.push(["Tests", tests.length + " \u00b7 " + passed + " passed" + (failed ? ' \u00b7 <span class="status bad">' + failed + " failing</span>" : "")]);
    }
    html.push('<table class="facts">' + facts.map(function (f) { return "<tr><th>" + f[0] + "</th><td>" + f[1] + "</td></tr>"; }).join("") + "</table>");
    if (!isTest(n)) html.push('<p class="actions"><a class="button" id="open-dag" href="' + dagHref("+" + selectorOf(n) + "+") + '">DAG: +' + esc(selectorOf(n)) + "+</a></p>");
    html.push('<h2>Description</h2><div class="description">' + (n.description ? T.markdown(n.description) : '<p class="muted">No description.</p>') + "</div>");

    if (n.test) {
      var target = byId[n.test.attached_to];
      html.push("<h2>What it tests</h2><p>" + esc(n.test.test_name) + (target ? " on " + link(target) : "") +
        (n.test.column_name ? ", column <code>" + esc(n.test.column_name) + "</code>" : "") + "</p>");
      if (n.test.kwargs && Object.keys(n.test.kwargs).length) html.push("<pre class=\"json\">" + esc(JSON.stringify(n.test.kwargs, null, 2)) + "</pre>");
      if (n.run && typeof n.run.failures === "number") html.push("<p>Failing rows in the last run: <b>" + n.run.failures + "</b></p>");
    }

    var cols = n.columns || [];
    if (cols.length) {
      var hasLineage = n.lineage ? Object.keys(n.lineage) : [];
      html.push('<h2>Columns</h2><table class="grid columns" id="columns"><tr><th>Column</th><th>Type</th><th>Description</th><th>Tests</th><th></th></tr>' +
        cols.map(function (c) {
          var ct = tests.filter(function (t) { return t.test && t.test.column_name && t.test.column_name.toLowerCase() === c.name.toLowerCase(); });
          var lin = n.kind === "source" || n.kind === "seed" || hasLineage.some(function (k) { return k.toLowerCase() === c.name.toLowerCase(); });
          return '<tr data-column="' + esc(c.name) + '"><td class="col-name"><code>' + esc(c.name) + "</code></td><td><code>" + esc(c.data_type || "") + "</code></td><td>" +
            T.inline(esc(c.description || "")) + "</td><td>" + ct.map(testBadge).join(" ") + "</td><td>" +
            (lin ? '<a class="lineage-link" href="' + lineageHref(n.id, c.name) + '" title="Column lineage">lineage</a>' : "") + "</td></tr>";
        }).join("") + "</table>");
    }
    var modelTests = tests.filter(function (t) { return !(t.test && t.test.column_name); });
    if (modelTests.length) html.push('<h2>Other tests</h2><p class="tests">' + modelTests.map(testBadge).join(" ") + "</p>");

    var ups = (parents[n.id] || []).map(function (p) { return byId[p]; });
    var downs = (children[n.id] || []).map(function (c) { return byId[c]; }).filter(function (c) { return !isTest(c); });
    if (ups.length || downs.length) {
      html.push('<div class="two"><div><h2>Depends on</h2>' + list(ups) + "</div><div><h2>Referenced by</h2>" + list(downs) + "</div></div>");
    }
    if (n.raw_sql || n.compiled_sql) {
      html.push('<h2>SQL</h2><div class="tabs"><button type="button" data-tab="compiled" class="' + (n.compiled_sql ? "on" : "") + '"' + (n.compiled_sql ? "" : " disabled") + '>Compiled</button>' +
        '<button type="button" data-tab="raw" class="' + (n.compiled_sql ? "" : "on") + '">Source</button></div>' +
        '<pre class="sql" data-pane="compiled"' + (n.compiled_sql ? "" : " hidden") + ">" + T.highlightSql(n.compiled_sql || "") + "</pre>" +
        '<pre class="sql" data-pane="raw"' + (n.compiled_sql ? " hidden" : "") + ">" + T.highlightSql(n.raw_sql || "") + "</pre>");
    }
    if (n.config && Object.keys(n.config).length) html.push("<h2>Config</h2><pre class=\"json\">" + esc(JSON.stringify(n.config, null, 2)) + "</pre>");
    html.push('<p class="muted">Unique id: <code>' + esc(n.id) + "</code></p>");
    main.innerHTML = html.join("\n");
    main.querySelectorAll(".tabs button").forEach(function (b) {
      b.addEventListener("click", function () {
        main.querySelectorAll(".tabs button").forEach(function (o) { o.classList.toggle("on", o === b); });
        main.querySelectorAll("pre[data-pane]").forEach(function (p) { p.hidden = p.getAttribute("data-pane") !== b.getAttribute("data-tab"); });
      });
    });
  }
  function list(ns) {
    if (!ns.length) return '<p class="muted">None.</p>';
    return '<ul class="plain">' + ns.map(function (n) { return '<li><span class="dot ' + kindClass(n) + '"></span>' + link(n) + ' <span class="muted">' + esc(kindLabel(n)) + "</span></li>"; }).join("") + "</ul>";
  }

  // ---- the DAG ---------------------------------------------------------------------------
  // Example selections from this project: the model with the most parents, its most common
  // tag, the first source, the Braze syncs.
  function examples() {
    var out = [];
    var models = D.nodes.filter(function (n) { return n.kind === "model" && !isBraze(n); });
    var widest = models.sort(function (a, b) { return parents[b.id].length - parents[a.id].length; })[0];
    if (widest) out.push("+" + widest.name);
    var tags = {};
    D.nodes.forEach(function (n) { (n.tags || []).forEach(function (t) { tags[t] = (tags[t] || 0) + 1; }); });
    var top = Object.keys(tags).sort(function (a, b) { return tags[b] - tags[a]; })[0];
    if (top) out.push("tag:" + top);
    if (D.sources.length) out.push("source:" + D.sources[0].source_name + "+");
    if (D.nodes.some(isBraze)) out.push("config.materialized:braze_*");
    return out;
  }
  function pageDag(sel) {
    main.innerHTML = '<h1>DAG</h1><form id="dag-form" class="dag-form"><input id="dag-input" type="text" spellcheck="false" placeholder="' + esc(examples().join("  ")) + '  (empty: whole project)" value="' + esc(sel) + '">' +
      ' <label><input type="checkbox" id="dag-tests"> tests</label> <button type="submit">Draw</button></form>' +
      '<p class="examples">Try ' + examples().map(function (e) { return '<a href="' + dagHref(e) + '">' + esc(e) + "</a>"; }).join(" ") + "</p>" +
      '<div id="dag-message" class="muted"></div><div id="dag" class="graph-box"></div>' +
      '<p class="legend"><span class="dot k-source"></span>source <span class="dot k-seed"></span>seed <span class="dot k-model"></span>model <span class="dot k-snapshot"></span>snapshot <span class="dot k-braze"></span>Braze sync <span class="dot k-test"></span>test</p>';
    var form = document.getElementById("dag-form");
    var showTests = document.getElementById("dag-tests");
    showTests.checked = /[?&]tests=1/.test(location.hash);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      location.hash = dagHref(document.getElementById("dag-input").value.trim()) + (showTests.checked ? "?tests=1" : "");
    });
    showTests.addEventListener("change", function () { form.requestSubmit(); });
    var msg = document.getElementById("dag-message");
    var chosen;
    try {
      chosen = sel.trim() ? MoztSelect.select(graph, sel) : null;
    } catch (e) {
      msg.className = "error-box";
      msg.textContent = e.message;
      return;
    }
    var ids = (chosen ? Object.keys(chosen) : items.map(function (n) { return n.id; })).filter(function (id) {
      return byId[id] && (showTests.checked || !isTest(byId[id]));
    });
    if (!ids.length) { msg.textContent = "The selection \u201c" + sel + "\u201d matches no node."; return; }
    if (ids.length > DAG_CAP) {
      msg.className = "error-box";
      var ex = examples();
      msg.innerHTML = "The selection has <b>" + ids.length + "</b> nodes; the drawing shows at most " + DAG_CAP +
        " so that it stays readable. Narrow it: a model with its parents (<code>" + esc(ex[0] || "+name") + "</code>), two levels up (<code>2+name</code>), a tag (<code>tag:name</code>) or a folder (<code>path:models/marts</code>); join two with a comma for both.";
      return;
    }
    var set = {};
    ids.forEach(function (id) { set[id] = true; });
    // Keep the input order stable: sources, then nodes, each by name.
    ids.sort(function (a, b) { return byId[a].name < byId[b].name ? -1 : 1; });
    var focusName = sel.replace(/^@/, "").replace(/^\d*\+/, "").replace(/\+\d*$/, "").replace(/^source:/, "");
    var focus = ids.filter(function (id) { return byId[id].name === focusName; })[0];
    var nodes = ids.map(function (id) {
      var n = byId[id];
      var sub = kindLabel(n) + (n.kind === "model" && !isBraze(n) ? " \u00b7 " + n.materialized : "") + (n.run ? " \u00b7 " + n.run.status : "");
      return { id: id, label: n.name, sub: sub, cls: kindClass(n) + (id === focus ? " focus" : "") + (n.run && /error|fail/.test(n.run.status) ? " failed" : ""), title: n.name + " (" + kindLabel(n) + ")" };
    });
    var edges = [];
    ids.forEach(function (id) { (parents[id] || []).forEach(function (p) { if (set[p]) edges.push([p, id]); }); });
    msg.textContent = ids.length + " node" + (ids.length === 1 ? "" : "s") + ", " + edges.length + " edge" + (edges.length === 1 ? "" : "s") + ". Scroll to zoom, drag to pan, click a node to open it.";
    MoztGraph.draw(document.getElementById("dag"), nodes, edges, {
      focus: focus,
      onClick: function (id) { location.hash = nodeHref(id); },
    });
  }

  // ---- column lineage --------------------------------------------------------------------
  var downIndex = null;
  function colKey(id, col) { return id + "|" + col.toLowerCase(); }
  // The upstream columns of a node's column, from its lineage ({column: {node: [columns]}}).
  function upstreamOf(id, col) {
    var n = byId[id];
    if (!n || !n.lineage) return [];
    var key = Object.keys(n.lineage).filter(function (k) { return k.toLowerCase() === col.toLowerCase(); })[0];
    if (key === undefined) return [];
    var out = [];
    var from = n.lineage[key] || {};
    Object.keys(from).forEach(function (up) { from[up].forEach(function (c) { out.push([up, c]); }); });
    return out;
  }
  function downstreamOf(id, col) {
    if (!downIndex) {
      downIndex = {};
      D.nodes.forEach(function (n) {
        if (!n.lineage) return;
        Object.keys(n.lineage).forEach(function (c) {
          var from = n.lineage[c] || {};
          Object.keys(from).forEach(function (up) {
            from[up].forEach(function (uc) { (downIndex[colKey(up, uc)] = downIndex[colKey(up, uc)] || []).push([n.id, c]); });
          });
        });
      });
    }
    return downIndex[colKey(id, col)] || [];
  }
  // Breadth-first walk from (id, col) along `next`, at most `cap` columns.
  function walk(id, col, next, cap, cols, edges, upward) {
    var start = colKey(id, col);
    var queue = [[id, col]];
    var seen = {};
    seen[start] = true;
    var truncated = false;
    for (var i = 0; i < queue.length; i++) {
      var cur = queue[i];
      next(cur[0], cur[1]).forEach(function (nx) {
        var k = colKey(nx[0], nx[1]);
        if (upward) edges.push([k, colKey(cur[0], cur[1])]);
        else edges.push([colKey(cur[0], cur[1]), k]);
        if (seen[k]) return;
        if (Object.keys(cols).length >= cap) { truncated = true; return; }
        seen[k] = true;
        cols[k] = { id: nx[0], col: nx[1] };
        queue.push(nx);
      });
    }
    return truncated;
  }

  function pageLineage(id, col) {
    var n = byId[id];
    if (!n) { main.innerHTML = '<div class="error-box">No node <code>' + esc(id) + "</code> in this project.</div>"; return; }
    var cols = {};
    cols[colKey(id, col)] = { id: id, col: col };
    var edges = [];
    var upCols = {}, downCols = {};
    var cutUp = walk(id, col, upstreamOf, LINEAGE_CAP, upCols, edges, true);
    var cutDown = walk(id, col, downstreamOf, LINEAGE_CAP, downCols, edges, false);
    Object.keys(upCols).forEach(function (k) { cols[k] = upCols[k]; });
    Object.keys(downCols).forEach(function (k) { cols[k] = downCols[k]; });
    edges = edges.filter(function (e) { return cols[e[0]] && cols[e[1]]; });
    var seenEdge = {};
    edges = edges.filter(function (e) { var k = e[0] + "\u0002" + e[1]; if (seenEdge[k]) return false; seenEdge[k] = true; return true; });
    var roots = Object.keys(upCols).filter(function (k) { return upstreamOf(upCols[k].id, upCols[k].col).length === 0; });
    var syncs = Object.keys(downCols).filter(function (k) { var d = byId[downCols[k].id]; return d && isBraze(d); });
    function colLink(c) {
      var m = byId[c.id];
      return '<a href="' + lineageHref(c.id, c.col) + '">' + esc(m ? m.name : c.id) + ".<b>" + esc(c.col) + "</b></a>";
    }
    main.innerHTML = '<h1 id="lineage-title">Lineage of ' + esc(n.name) + ".<span class=\"col\">" + esc(col) + "</span></h1>" +
      '<p><a href="' + nodeHref(id) + '">Open ' + esc(n.name) + "</a> \u00b7 " + Object.keys(upCols).length + " upstream column(s), " + Object.keys(downCols).length + " downstream" +
      (cutUp || cutDown ? ' \u00b7 <span class="status warn">cut at ' + LINEAGE_CAP + " columns each way</span>" : "") + "</p>" +
      '<div id="lineage" class="graph-box"></div>' +
      '<div class="two"><div><h2>Comes from</h2>' + (roots.length ? '<ul class="plain" id="lineage-roots">' + roots.map(function (k) { return "<li>" + colLink(upCols[k]) + ' <span class="muted">' + esc(kindLabel(byId[upCols[k].id] || { kind: "?" })) + "</span></li>"; }).join("") + "</ul>"
        : '<p class="muted">No upstream column: it is made from constants, or its SQL could not be read.</p>') +
      '</div><div><h2>Feeds Braze syncs</h2>' + (syncs.length ? '<ul class="plain" id="lineage-syncs">' + syncs.map(function (k) { return "<li>" + colLink(downCols[k]) + "</li>"; }).join("") + "</ul>"
        : '<p class="muted">No Braze sync reads this column.</p>') + "</div></div>" +
      '<p class="legend"><span class="dot k-source"></span>source <span class="dot k-seed"></span>seed <span class="dot k-model"></span>model <span class="dot k-braze"></span>Braze sync \u00b7 click a column to follow its lineage</p>';
    var focusKey = colKey(id, col);
    var keys = Object.keys(cols);
    var gnodes = keys.map(function (k) {
      var c = cols[k], m = byId[c.id] || { name: c.id, kind: "unknown" };
      return { id: k, label: c.col, sub: m.name, cls: kindClass(m) + (k === focusKey ? " focus" : ""), title: m.name + "." + c.col };
    });
    MoztGraph.draw(document.getElementById("lineage"), gnodes, edges, {
      focus: focusKey,
      onClick: function (k) { var c = cols[k]; if (c) location.hash = lineageHref(c.id, c.col); },
    });
  }

  // ---- routing ---------------------------------------------------------------------------
  function route() {
    var h = location.hash.replace(/^#\/?/, "");
    var q = "";
    var qi = h.indexOf("?");
    if (qi >= 0) { q = h.slice(qi); h = h.slice(0, qi); }
    var parts = h.split("/");
    var page = parts[0];
    var arg = function (i) { try { return decodeURIComponent(parts[i] || ""); } catch (e) { return parts[i] || ""; } };
    app.setAttribute("data-page", page || "overview");
    document.querySelectorAll("#topnav a").forEach(function (a) { a.classList.toggle("on", a.getAttribute("data-page") === (page || "overview")); });
    if (page === "node") pageNode(parts.slice(1).map(function (_, i) { return arg(i + 1); }).join("/"));
    else if (page === "search") pageSearch(arg(1));
    else if (page === "dag") pageDag(arg(1));
    else if (page === "lineage") pageLineage(arg(1), parts.slice(2).map(function (_, i) { return arg(i + 2); }).join("/"));
    else pageOverview();
    if (page !== "search") document.getElementById("search").value = "";
    void q;
    window.scrollTo(0, 0);
  }

  document.getElementById("project-name").textContent = (D.metadata || {}).project_name || "";
  var searchBox = document.getElementById("search");
  var pending = null;
  searchBox.addEventListener("input", function () {
    clearTimeout(pending);
    pending = setTimeout(function () {
      var v = searchBox.value;
      if (!v.trim()) return;
      var target = "#/search/" + encodeURIComponent(v);
      if (location.hash.indexOf("#/search/") === 0) { history.replaceState(null, "", target); pageSearch(v); }
      else location.hash = target;
    }, 120);
  });
  searchBox.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") {
      var first = main.querySelector(".results li a");
      var v = searchBox.value;
      if (location.hash.indexOf("#/search/") !== 0 || !first) { location.hash = "#/search/" + encodeURIComponent(v); return; }
      location.hash = first.getAttribute("href");
    }
  });
  sidebar();
  window.addEventListener("hashchange", route);
  route();
})();
