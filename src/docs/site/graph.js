// A layered (Sugiyama-style) drawing of a directed acyclic graph as SVG, with zoom (wheel,
// buttons) and pan (drag): layers by longest path, dummy nodes on edges that span layers,
// crossings reduced by barycenter sweeps, then y positions pulled toward neighbours. Used for
// the DAG of models and for column lineage. Nothing here is recursive.
"use strict";

var MoztGraph = (function () {
  var NODE_W = 230, NODE_H = 40, LAYER_GAP = 90, ROW_GAP = 14, SWEEPS = 8, MIN_FIRST_ZOOM = 0.55;
  var SVG_NS = "http://www.w3.org/2000/svg";

  // nodes: [{id, label, sub, cls, title}], edges: [[fromId, toId]] (from is upstream).
  function layout(nodes, edges) {
    var byId = {};
    nodes.forEach(function (n) { byId[n.id] = n; n.layer = 0; n.preds = []; n.succs = []; });
    var realEdges = edges.filter(function (e) { return byId[e[0]] && byId[e[1]] && e[0] !== e[1]; });
    realEdges.forEach(function (e) { byId[e[0]].succs.push(e[1]); byId[e[1]].preds.push(e[0]); });
    // Longest-path layers over a topological order (Kahn); nodes left on a cycle stay put.
    var indeg = {};
    nodes.forEach(function (n) { indeg[n.id] = n.preds.length; });
    var queue = nodes.filter(function (n) { return indeg[n.id] === 0; }).map(function (n) { return n.id; });
    for (var qi = 0; qi < queue.length; qi++) {
      var n = byId[queue[qi]];
      n.succs.forEach(function (s) {
        byId[s].layer = Math.max(byId[s].layer, n.layer + 1);
        if (--indeg[s] === 0) queue.push(s);
      });
    }
    // Pull sources' layers right next to their first reader (a seed read only by a mart
    // should not sit far left).
    for (var k = queue.length - 1; k >= 0; k--) {
      var m = byId[queue[k]];
      if (m.preds.length === 0 && m.succs.length > 0) {
        var minSucc = Infinity;
        m.succs.forEach(function (s) { minSucc = Math.min(minSucc, byId[s].layer); });
        m.layer = Math.max(m.layer, minSucc - 1);
      }
    }
    // Dummy nodes for edges spanning several layers.
    var all = nodes.slice();
    var chains = [];
    realEdges.forEach(function (e) {
      var a = byId[e[0]], b = byId[e[1]];
      var chain = [a];
      var prev = a;
      for (var l = a.layer + 1; l < b.layer; l++) {
        var d = { id: "\u0000d" + all.length, dummy: true, layer: l, preds: [prev.id], succs: [] };
        byId[d.id] = d;
        all.push(d);
        prev.succs.push(d.id);
        chain.push(d);
        prev = d;
      }
      if (prev !== a) { prev.succs.push(b.id); b.preds.push(prev.id); }
      chain.push(b);
      chains.push(chain);
    });
    // Layers, in a first order: the order nodes came in (the caller's order).
    var layers = [];
    all.forEach(function (n) { (layers[n.layer] = layers[n.layer] || []).push(n); });
    for (var li = 0; li < layers.length; li++) layers[li] = layers[li] || [];
    function index() { layers.forEach(function (L) { L.forEach(function (n, i) { n.pos = i; }); }); }
    index();
    function sweep(L, neighbours) {
      L.forEach(function (n) {
        var ns = neighbours(n).filter(function (id) { return byId[id].layer !== n.layer; });
        if (ns.length) {
          var sum = 0;
          ns.forEach(function (id) { sum += byId[id].pos; });
          n.bary = sum / ns.length;
        } else n.bary = n.pos;
      });
      L.sort(function (a, b) { return a.bary - b.bary || a.pos - b.pos; });
      L.forEach(function (n, i) { n.pos = i; });
    }
    for (var s = 0; s < SWEEPS; s++) {
      for (var d1 = 1; d1 < layers.length; d1++) sweep(layers[d1], function (n) { return n.preds; });
      for (var u = layers.length - 2; u >= 0; u--) sweep(layers[u], function (n) { return n.succs; });
    }
    // y: stack each layer, then pull nodes toward their neighbours' centres, keeping order
    // and gaps.
    function height(n) { return n.dummy ? 8 : NODE_H; }
    layers.forEach(function (L) {
      var y = 0;
      L.forEach(function (n) { n.y = y; y += height(n) + ROW_GAP; });
    });
    function place(L, neighbours) {
      if (!L.length) return;
      var want = L.map(function (n) {
        var ns = neighbours(n);
        if (!ns.length) return n.y;
        var sum = 0;
        ns.forEach(function (id) { sum += byId[id].y + height(byId[id]) / 2; });
        return sum / ns.length - height(n) / 2;
      });
      var y = -Infinity;
      L.forEach(function (n, i) { n.y = Math.max(want[i], y); y = n.y + height(n) + ROW_GAP; });
      // Shift back up by the average overshoot (the gaps between nodes stay).
      var over = 0;
      L.forEach(function (n, i) { over += n.y - want[i]; });
      over /= L.length;
      L.forEach(function (n) { n.y -= over; });
    }
    for (var it = 0; it < 4; it++) {
      for (var a1 = 1; a1 < layers.length; a1++) place(layers[a1], function (n) { return n.preds; });
      for (var b1 = layers.length - 2; b1 >= 0; b1--) place(layers[b1], function (n) { return n.succs; });
    }
    var minY = Infinity;
    all.forEach(function (n) { minY = Math.min(minY, n.y); });
    all.forEach(function (n) { n.y -= minY; n.x = n.layer * (NODE_W + LAYER_GAP); });
    var width = 0, heightTotal = 0;
    all.forEach(function (n) {
      width = Math.max(width, n.x + NODE_W);
      heightTotal = Math.max(heightTotal, n.y + height(n));
    });
    return { nodes: nodes, chains: chains, width: width, height: heightTotal, layers: layers.length };
  }

  function el(name, attrs, parent) {
    var e = document.createElementNS(SVG_NS, name);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(e);
    return e;
  }

  function clip(text, max) {
    text = String(text);
    return text.length > max ? text.slice(0, max - 1) + "\u2026" : text;
  }

  function edgePath(chain) {
    var pts = chain.map(function (n, i) {
      var midY = n.y + (n.dummy ? 4 : NODE_H / 2);
      if (i === 0) return [n.x + NODE_W, midY];
      if (n.dummy) return [n.x + NODE_W / 2, midY];
      return [n.x, midY];
    });
    var d = "M" + pts[0][0] + "," + pts[0][1];
    for (var i = 1; i < pts.length; i++) {
      var p = pts[i - 1], q = pts[i];
      var dx = Math.max(30, (q[0] - p[0]) / 2);
      d += " C" + (p[0] + dx) + "," + p[1] + " " + (q[0] - dx) + "," + q[1] + " " + q[0] + "," + q[1];
    }
    return d;
  }

  // Draw into `container`: returns the svg. opts.onClick(id) opens a node.
  function draw(container, nodes, edges, opts) {
    opts = opts || {};
    var g = layout(nodes, edges);
    container.innerHTML = "";
    var wrap = document.createElement("div");
    wrap.className = "graph-wrap";
    container.appendChild(wrap);
    var tools = document.createElement("div");
    tools.className = "graph-tools";
    tools.innerHTML = '<button type="button" data-z="in" title="Zoom in">+</button>' +
      '<button type="button" data-z="out" title="Zoom out">\u2212</button>' +
      '<button type="button" data-z="fit" title="Fit to window">Fit</button>';
    wrap.appendChild(tools);
    var svg = el("svg", { class: "graph", role: "img" }, wrap);
    var defs = el("defs", {}, svg);
    var marker = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" }, defs);
    el("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow" }, marker);
    var view = el("g", { class: "viewport" }, svg);
    var edgeLayer = el("g", { class: "edges" }, view);
    g.chains.forEach(function (chain) {
      var from = chain[0].id, to = chain[chain.length - 1].id;
      el("path", { d: edgePath(chain), class: "edge", "marker-end": "url(#arrow)", "data-from": from, "data-to": to }, edgeLayer);
    });
    var nodeLayer = el("g", { class: "nodes" }, view);
    g.nodes.forEach(function (n) {
      var grp = el("g", { class: "node " + (n.cls || ""), transform: "translate(" + n.x + "," + n.y + ")", "data-id": n.id, tabindex: "0" }, nodeLayer);
      el("rect", { width: NODE_W, height: NODE_H, rx: 6, ry: 6 }, grp);
      var t = el("title", {}, grp);
      t.textContent = n.title || n.label;
      var label = el("text", { x: 10, y: n.sub ? 17 : 25, class: "label" }, grp);
      label.textContent = clip(n.label, 30);
      if (n.sub) {
        var sub = el("text", { x: 10, y: 32, class: "sub" }, grp);
        sub.textContent = clip(n.sub, 38);
      }
    });

    // Zoom and pan.
    var state = { k: 1, x: 0, y: 0 };
    function apply() { view.setAttribute("transform", "translate(" + state.x + "," + state.y + ") scale(" + state.k + ")"); }
    function fit() {
      var w = svg.clientWidth || 800, h = svg.clientHeight || 500;
      var k = Math.min((w - 40) / Math.max(g.width, 1), (h - 40) / Math.max(g.height, 1), 1.2);
      k = Math.max(k, 0.05);
      state.k = k;
      state.x = (w - g.width * k) / 2;
      state.y = (h - g.height * k) / 2;
      apply();
    }
    function zoomAt(factor, cx, cy) {
      var k = Math.min(4, Math.max(0.05, state.k * factor));
      state.x = cx - (cx - state.x) * (k / state.k);
      state.y = cy - (cy - state.y) * (k / state.k);
      state.k = k;
      apply();
    }
    svg.addEventListener("wheel", function (ev) {
      ev.preventDefault();
      var r = svg.getBoundingClientRect();
      zoomAt(ev.deltaY < 0 ? 1.15 : 1 / 1.15, ev.clientX - r.left, ev.clientY - r.top);
    }, { passive: false });
    // Drag to pan. The pointer is captured only once it moves, so a plain click still lands
    // on the node under it.
    var drag = null;
    svg.addEventListener("pointerdown", function (ev) {
      if (ev.button !== 0) return;
      drag = { id: ev.pointerId, x: ev.clientX, y: ev.clientY, sx: state.x, sy: state.y, moved: false };
    });
    svg.addEventListener("pointermove", function (ev) {
      if (!drag || ev.pointerId !== drag.id) return;
      var dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
      if (!drag.moved && Math.abs(dx) + Math.abs(dy) > 3) {
        drag.moved = true;
        svg.setPointerCapture(ev.pointerId);
        svg.classList.add("dragging");
      }
      if (!drag.moved) return;
      state.x = drag.sx + dx;
      state.y = drag.sy + dy;
      apply();
    });
    function endDrag(ev) {
      if (!drag || ev.pointerId !== drag.id) return;
      if (drag.moved) svg.releasePointerCapture(ev.pointerId);
      svg.classList.remove("dragging");
      var was = drag;
      setTimeout(function () { if (drag === was) drag = null; }, 0);
    }
    svg.addEventListener("pointerup", endDrag);
    svg.addEventListener("pointercancel", endDrag);
    function open(target) {
      var node = target.closest && target.closest("g.node");
      if (node && opts.onClick) opts.onClick(node.getAttribute("data-id"));
    }
    svg.addEventListener("click", function (ev) {
      if (drag && drag.moved) return;
      open(ev.target);
    });
    svg.addEventListener("keydown", function (ev) { if (ev.key === "Enter") open(ev.target); });
    // Hovering a node lights up its edges.
    svg.addEventListener("mouseover", function (ev) {
      var node = ev.target.closest && ev.target.closest("g.node");
      if (!node) return;
      var id = node.getAttribute("data-id");
      edgeLayer.querySelectorAll("path.edge").forEach(function (p) {
        var on = p.getAttribute("data-from") === id || p.getAttribute("data-to") === id;
        p.classList.toggle("lit", on);
      });
    });
    tools.addEventListener("click", function (ev) {
      var z = ev.target.getAttribute && ev.target.getAttribute("data-z");
      var w = svg.clientWidth || 800, h = svg.clientHeight || 500;
      if (z === "in") zoomAt(1.25, w / 2, h / 2);
      else if (z === "out") zoomAt(1 / 1.25, w / 2, h / 2);
      else if (z === "fit") fit();
    });
    // First view: the whole drawing when it is legible so; else legible, centred on the
    // focus node (or the drawing's middle). The Fit button always shows everything.
    fit();
    if (state.k < MIN_FIRST_ZOOM) {
      var f = g.nodes.filter(function (n) { return n.id === opts.focus; })[0];
      var cx = f ? f.x + NODE_W / 2 : g.width / 2, cy = f ? f.y + NODE_H / 2 : g.height / 2;
      var w = svg.clientWidth || 800, h = svg.clientHeight || 500;
      state.k = MIN_FIRST_ZOOM;
      state.y = h / 2 - cy * state.k;
      if (!f) state.x = 20;
      else if (f.x + NODE_W >= g.width - 1) state.x = w - 20 - g.width * state.k; // last layer: right-aligned
      else state.x = w / 2 - cx * state.k;
      apply();
    }
    return svg;
  }

  return { draw: draw, layout: layout };
})();
