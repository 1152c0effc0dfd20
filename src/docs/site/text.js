// Text helpers of the mozt docs site: HTML escaping, a small safe Markdown renderer (the
// text is escaped first, so a description can never inject HTML) and a SQL + Jinja highlighter.
"use strict";

var MoztText = (function () {
  function esc(s) {
    return String(s == null ? "" : s)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#39;");
  }

  // Inline Markdown on already escaped text: code, bold, italics, links (http, https, mailto
  // and in-site # links only).
  function inline(s) {
    var codes = [];
    s = s.replace(/`([^`]+)`/g, function (_, c) {
      codes.push("<code>" + c + "</code>");
      return "\u0000" + (codes.length - 1) + "\u0000";
    });
    s = s.replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>");
    s = s.replace(/(^|[^*\w])\*([^*\s][^*]*)\*/g, "$1<em>$2</em>");
    s = s.replace(/(^|\W)_([^_\s][^_]*)_(?=\W|$)/g, "$1<em>$2</em>");
    s = s.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, function (all, text, url) {
      if (!/^(https?:|mailto:|#)/i.test(url)) return all;
      return '<a href="' + url + '" rel="noopener noreferrer">' + text + "</a>";
    });
    return s.replace(/\u0000(\d+)\u0000/g, function (_, i) {
      return codes[Number(i)];
    });
  }

  // Block Markdown: headings, lists, fenced code, paragraphs.
  function markdown(src) {
    var lines = esc(src || "").split(/\r?\n/);
    var out = [];
    var para = [];
    var list = null;
    var fence = null;
    function flush() {
      if (para.length) out.push("<p>" + inline(para.join(" ")) + "</p>");
      para = [];
      if (list) out.push("<" + list.tag + ">" + list.items.map(function (i) {
        return "<li>" + inline(i) + "</li>";
      }).join("") + "</" + list.tag + ">");
      list = null;
    }
    for (var i = 0; i < lines.length; i++) {
      var line = lines[i];
      if (fence !== null) {
        if (/^\s*```/.test(line)) {
          out.push("<pre class=\"md-code\">" + fence.join("\n") + "</pre>");
          fence = null;
        } else fence.push(line);
        continue;
      }
      var m;
      if (/^\s*```/.test(line)) { flush(); fence = []; continue; }
      if (/^\s*$/.test(line)) { flush(); continue; }
      if ((m = /^(#{1,6})\s+(.*)$/.exec(line))) {
        flush();
        var level = Math.min(6, m[1].length + 2);
        out.push("<h" + level + ">" + inline(m[2]) + "</h" + level + ">");
        continue;
      }
      if ((m = /^\s*([-*+]|\d+\.)\s+(.*)$/.exec(line))) {
        var tag = /\d/.test(m[1]) ? "ol" : "ul";
        if (para.length) { var keep = list; list = null; flush(); list = keep; }
        if (!list || list.tag !== tag) { flush(); list = { tag: tag, items: [] }; }
        list.items.push(m[2]);
        continue;
      }
      if (list && /^\s+\S/.test(line)) {
        list.items[list.items.length - 1] += " " + line.trim();
        continue;
      }
      if (list) flush();
      para.push(line.trim());
    }
    if (fence !== null) out.push("<pre class=\"md-code\">" + fence.join("\n") + "</pre>");
    flush();
    return out.join("\n");
  }

  var KEYWORDS = (
    "select from where and or not as on join left right full inner outer cross lateral using group by order " +
    "having limit offset qualify union all intersect except distinct case when then else end with recursive " +
    "create replace table view insert into values update set delete merge matched is null in between like " +
    "ilike exists asc desc nulls first last over partition rows range unbounded preceding following current row " +
    "window filter within cast try_cast interval true false primary key default temporary transient if"
  ).split(" ");
  var KEYWORD_SET = {};
  KEYWORDS.forEach(function (k) { KEYWORD_SET[k] = true; });

  // One token class per pattern, tried in order at each position.
  var RULES = [
    ["jinja", /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}|\{#[\s\S]*?#\}/y],
    ["comment", /--[^\n]*|\/\*[\s\S]*?(\*\/|$)/y],
    ["string", /'(?:[^']|'')*'?/y],
    ["ident", /"(?:[^"]|"")*"?/y],
    ["number", /\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/iy],
    ["word", /[A-Za-z_][A-Za-z0-9_$]*/y],
    ["punct", /::|[(),;.]|[<>=!]=?|[-+*\/%|]/y],
    ["space", /\s+/y],
    ["other", /[\s\S]/y],
  ];

  // SQL as HTML with spans per token class (`sql-kw`, `sql-str`, ...).
  function highlightSql(src) {
    var s = String(src || "");
    var out = [];
    var pos = 0;
    while (pos < s.length) {
      for (var r = 0; r < RULES.length; r++) {
        var re = RULES[r][1];
        re.lastIndex = pos;
        var m = re.exec(s);
        if (!m || m[0].length === 0) continue;
        var text = m[0];
        var cls = RULES[r][0];
        if (cls === "word") {
          var lower = text.toLowerCase();
          if (KEYWORD_SET[lower]) cls = "kw";
          else if (s.charAt(pos + text.length) === "(") cls = "fn";
          else cls = null;
        } else if (cls === "space" || cls === "other" || cls === "punct") {
          cls = cls === "punct" ? "punct" : null;
        }
        out.push(cls ? '<span class="sql-' + cls + '">' + esc(text) + "</span>" : esc(text));
        pos += text.length;
        break;
      }
    }
    return out.join("");
  }

  return { esc: esc, markdown: markdown, inline: inline, highlightSql: highlightSql };
})();
