// mozt's selector syntax, evaluated in the browser over the site's data (the same rules as
// src/graph/select.rs): names with * wildcards, +name, name+, 2+name, name+1, @name, tag:,
// path:, source:, resource_type:, config.<key>:, package:, fqn:, test_name:, test_type:;
// a space is a union, a comma an intersection. state: and result: need a previous run and
// are not available here.
"use strict";

var MoztSelect = (function () {
  function glob(pattern, text) {
    text = String(text == null ? "" : text);
    if (!/[*?]/.test(pattern)) return pattern === text;
    var re = "^" + pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".") + "$";
    return new RegExp(re).test(text);
  }

  function fqnMatches(pattern, fqn) {
    var parts = pattern.split(".");
    function prefix(seq) {
      if (parts.length > seq.length) return false;
      for (var i = 0; i < parts.length; i++) if (!glob(parts[i], seq[i])) return false;
      return true;
    }
    function whole(seq) { return parts.length === seq.length && prefix(seq); }
    var folders = fqn.slice(0, Math.max(0, fqn.length - 1));
    return whole(fqn) || (fqn.length > 1 && whole(fqn.slice(1))) || prefix(folders) ||
      (folders.length > 1 && prefix(folders.slice(1)));
  }

  function pathMatches(pattern, path) {
    var p = pattern.replace(/\/+$/, "");
    return glob(p, path) || path === p || path.indexOf(p + "/") === 0;
  }

  function parseAtom(text) {
    var s = text;
    var atom = { at: false, parents: undefined, children: undefined, method: "name", value: "" };
    if (s.charAt(0) === "@") { atom.at = true; s = s.slice(1); }
    var idx = s.indexOf("+");
    if (idx >= 0) {
      var head = s.slice(0, idx);
      if (/^\d*$/.test(head) && s.slice(0, idx + 1).indexOf(":") < 0) {
        atom.parents = head === "" ? Infinity : Number(head);
        s = s.slice(idx + 1);
      }
    }
    idx = s.lastIndexOf("+");
    if (idx >= 0) {
      var tail = s.slice(idx + 1);
      if (/^\d*$/.test(tail)) {
        atom.children = tail === "" ? Infinity : Number(tail);
        s = s.slice(0, idx);
      }
    }
    if (!s || s.indexOf("+") >= 0) throw new Error("cannot read the selector '" + text + "'");
    var colon = s.indexOf(":");
    if (colon >= 0) {
      atom.method = s.slice(0, colon);
      atom.value = s.slice(colon + 1);
    } else if (s.indexOf("/") >= 0 || /\.(sql|csv)$/.test(s)) {
      atom.method = "path";
      atom.value = s;
    } else {
      atom.value = s;
    }
    if (!atom.value) throw new Error("cannot read the selector '" + text + "'");
    return atom;
  }

  var METHODS = ["name", "fqn", "path", "tag", "resource_type", "package", "test_name", "test_type", "source"];

  function matches(graph, atom) {
    var v = atom.value;
    var out = [];
    var m = atom.method;
    if (METHODS.indexOf(m) < 0 && m.indexOf("config.") !== 0) {
      if (m === "state" || m === "result") throw new Error(m + ": needs a previous run (--state); use mozt ls");
      throw new Error("unknown selector method '" + m + ":'");
    }
    graph.items.forEach(function (n) {
      var hit = false;
      if (n.kind === "source") {
        if (m === "source") {
          hit = glob(v, n.source_name) || glob(v, n.name) || glob(v, graph.project + "." + n.name);
        } else if (m === "path") hit = pathMatches(v, n.path);
        else if (m === "resource_type") hit = v === "source";
        return hit && out.push(n.id);
      }
      var cfg = n.config || {};
      switch (m) {
        case "source": hit = false; break;
        case "name": hit = glob(v, n.name) || v === n.package || fqnMatches(v, n.fqn || []); break;
        case "fqn": hit = fqnMatches(v, n.fqn || []); break;
        case "path": hit = pathMatches(v, n.path); break;
        case "tag": hit = (n.tags || []).some(function (t) { return glob(v, t); }); break;
        case "resource_type": hit = n.kind === v || (v === "test" && n.kind === "unit_test"); break;
        case "package": hit = glob(v, n.package); break;
        case "test_name": hit = !!n.test && glob(v, n.test.test_name); break;
        case "test_type":
          if (n.kind === "unit_test") hit = v === "unit";
          else if (n.test) hit = n.test.test_name === "singular" ? (v === "singular" || v === "data") : (v === "generic" || v === "data");
          break;
        default: {
          var val = cfg[m.slice("config.".length)];
          if (typeof val === "string") hit = glob(v, val);
          else if (Array.isArray(val)) hit = val.some(function (x) { return typeof x === "string" && glob(v, x); });
          else if (val !== undefined) hit = JSON.stringify(val) === v;
        }
      }
      if (hit) out.push(n.id);
    });
    return out;
  }

  // Every id reachable from `start` along `edges` (parents or children) within `depth` steps.
  function reach(edges, start, depth, into) {
    var frontier = [start];
    var seen = {};
    seen[start] = true;
    for (var d = 0; frontier.length && d < depth; d++) {
      var next = [];
      for (var i = 0; i < frontier.length; i++) {
        var list = edges[frontier[i]] || [];
        for (var j = 0; j < list.length; j++) {
          var id = list[j];
          if (!seen[id]) { seen[id] = true; next.push(id); into[id] = true; }
        }
      }
      frontier = next;
    }
  }

  function evalAtom(graph, atom) {
    var base = matches(graph, atom);
    var out = {};
    base.forEach(function (id) {
      out[id] = true;
      if (atom.parents !== undefined) reach(graph.parents, id, atom.parents, out);
      if (atom.children !== undefined || atom.at) {
        var desc = {};
        reach(graph.children, id, atom.children === undefined ? Infinity : atom.children, desc);
        Object.keys(desc).forEach(function (d) {
          out[d] = true;
          if (atom.at) reach(graph.parents, d, Infinity, out);
        });
      }
    });
    return out;
  }

  // The ids a selection names (an object used as a set). Throws an Error with a message for a
  // selector it cannot read.
  function select(graph, text) {
    var union = {};
    var terms = String(text || "").trim().split(/\s+/).filter(Boolean);
    terms.forEach(function (term) {
      var inter = null;
      term.split(",").filter(Boolean).forEach(function (part) {
        var set = evalAtom(graph, parseAtom(part));
        if (inter === null) inter = set;
        else {
          var both = {};
          Object.keys(inter).forEach(function (k) { if (set[k]) both[k] = true; });
          inter = both;
        }
      });
      Object.keys(inter || {}).forEach(function (k) { union[k] = true; });
    });
    return union;
  }

  return { select: select, glob: glob, parseAtom: parseAtom };
})();
