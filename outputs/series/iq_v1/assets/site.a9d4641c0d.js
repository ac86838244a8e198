
document.querySelectorAll("table[data-sortable]").forEach(function (table) {
  var body = table.tBodies[0];
  table.querySelectorAll("th button").forEach(function (button, column) {
    button.addEventListener("click", function () {
      var th = button.parentNode, up = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", up ? "ascending" : "descending");
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[column].getAttribute("data-value"), y = b.cells[column].getAttribute("data-value");
        var nx = parseFloat(x), ny = parseFloat(y), c;
        if (x === "" && y === "") { c = 0; } else if (x === "") { return 1; } else if (y === "") { return -1; }
        else if (!isNaN(nx) && !isNaN(ny)) { c = nx - ny; } else { c = x.localeCompare(y, "ru"); }
        return up ? c : -c;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
document.querySelectorAll("input[data-filter]").forEach(function (input) {
  var table = document.getElementById(input.getAttribute("data-filter"));
  input.addEventListener("input", function () {
    var q = input.value.trim().toLowerCase();
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      row.hidden = q !== "" && row.getAttribute("data-search").indexOf(q) === -1;
    });
  });
});

/* Downloads of every chart (figure.chart-figure): the picture as SVG (the inline SVG with
   the style rules it needs) and as PNG (drawn on a canvas at 2x, no request: works from
   file://), its numbers as CSV for Russian Excel (UTF-8 with BOM, ";", the decimal comma
   as written on the page). File names from data-download. Without JavaScript the
   figure keeps its picture and its table. */
var iqChart = (function () {
  var SVGNS = "http://www.w3.org/2000/svg";

  function rulesFor(svg) {
    var out = [];
    Array.prototype.forEach.call(document.styleSheets, function (sheet) {
      var rules;
      try { rules = sheet.cssRules; } catch (e) { return; }   /* a sheet the page may not read */
      Array.prototype.forEach.call(rules || [], function (rule) {
        if (!rule.selectorText || /(^|[\s,>])svg\.chart(\s|,|$)|figure/.test(rule.selectorText)) { return; }
        try { if (svg.querySelector(rule.selectorText)) { out.push(rule.cssText); } } catch (e) { /* a selector of another kind */ }
      });
    });
    return out.join("\n");
  }

  function svgText(figure) {
    var svg = figure.querySelector("svg"), copy = svg.cloneNode(true), box = svg.viewBox.baseVal;
    copy.setAttribute("xmlns", SVGNS);
    copy.removeAttribute("style");
    copy.removeAttribute("class");
    copy.setAttribute("width", box.width);
    copy.setAttribute("height", box.height);
    var css = rulesFor(svg), back = document.createElementNS(SVGNS, "rect");
    back.setAttribute("width", "100%"); back.setAttribute("height", "100%"); back.setAttribute("fill", "#fff");
    var title = copy.querySelector("title");
    copy.insertBefore(back, title ? title.nextSibling : copy.firstChild);
    if (css) {
      var style = document.createElementNS(SVGNS, "style");
      style.textContent = css;
      copy.insertBefore(style, back);
    }
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(copy);
  }

  function svgBlob(figure) { return new Blob([svgText(figure)], {type: "image/svg+xml"}); }

  function pngBlob(figure, done) {
    var box = figure.querySelector("svg").viewBox.baseVal, image = new Image(), scale = 2;
    image.onload = function () {
      var canvas = document.createElement("canvas");
      canvas.width = Math.ceil(box.width * scale); canvas.height = Math.ceil(box.height * scale);
      var context = canvas.getContext("2d");
      context.fillStyle = "#fff"; context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(image, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(done, "image/png");
    };
    image.onerror = function () { done(null); };
    image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svgText(figure));
  }

  function csvCell(text) {
    text = text.replace(/\s+/g, " ").trim();
    return /[";\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  function csvBlob(figure) {
    var table = figure.querySelector("table"), lines = [];
    if (table) {
      Array.prototype.forEach.call(table.rows, function (row) {
        lines.push(Array.prototype.map.call(row.cells, function (c) { return csvCell(c.textContent); }).join(";"));
      });
    }
    return new Blob(["\ufeff" + lines.join("\r\n") + "\r\n"], {type: "text/csv;charset=utf-8"});
  }

  function save(blob, name) {
    if (!blob) { return; }
    var link = document.createElement("a"), url = URL.createObjectURL(blob);
    link.href = url; link.download = name;
    document.body.appendChild(link); link.click(); document.body.removeChild(link);
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  function buttons(figure) {
    var name = figure.getAttribute("data-download") || "chart", bar = document.createElement("div");
    bar.className = "chart-download";
    if (figure.getAttribute("data-label")) {
      var label = document.createElement("span");
      label.textContent = figure.getAttribute("data-label");
      bar.appendChild(label);
    }
    [["PNG", function () { pngBlob(figure, function (b) { save(b, name + ".png"); }); }],
     ["SVG", function () { save(svgBlob(figure), name + ".svg"); }],
     ["CSV", function () { save(csvBlob(figure), name + ".csv"); }]].forEach(function (kind, i) {
      if (i) { bar.appendChild(document.createTextNode("·")); }
      var button = document.createElement("button");
      button.type = "button"; button.textContent = kind[0];
      button.setAttribute("data-format", kind[0].toLowerCase());
      button.addEventListener("click", kind[1]);
      bar.appendChild(button);
    });
    var after = figure.querySelector(":scope > figcaption") || figure.querySelector("svg");
    while (after.parentNode !== figure) { after = after.parentNode; }   /* the chart may sit in a box of its own */
    figure.insertBefore(bar, after.nextSibling);
  }

  document.querySelectorAll("figure.chart-figure").forEach(function (figure) {
    if (figure.querySelector("svg")) { buttons(figure); }
  });
  return {svgBlob: svgBlob, pngBlob: pngBlob, csvBlob: csvBlob, svgText: svgText};
}());
