// Draws the network picture from the JSON the page carries (made with pyvis on the server),
// and works its tools: find a person and highlight the people linked to them and the paths
// to a chosen person, show or hide each kind of link, full screen.
(function () {
  "use strict";
  var source = document.getElementById("network-data");
  var container = document.getElementById("network-picture");
  if (!source || !container || typeof vis === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var hidden = {};  // kinds of link the reader chose not to draw
  var drawnEdges = new vis.DataView(edges, {
    filter: function (edge) { return !hidden[edge.kind]; }
  });
  var network = new vis.Network(container, { nodes: nodes, edges: drawnEdges }, data.options);
  // vis-network makes its frame focusable (arrow keys move, + and - zoom): say what it is.
  var frame = container.querySelector(".vis-network");
  if (frame) {
    frame.setAttribute("role", "group");  // aria-label is not allowed on a plain div
    frame.setAttribute("aria-label", "Network picture");
    frame.setAttribute("aria-describedby", "picture-help");
  }
  // Once laid out, hold still: a picture that keeps moving is hard to read.
  network.once("stabilizationIterationsDone", function () {
    network.setOptions({ physics: false });
    network.fit();
  });
  network.once("afterDrawing", function () {
    container.setAttribute("data-drawn", "true");
  });

  var tools = document.getElementById("picture-tools");
  if (!tools) {
    return;  // a picture without tools (a case's small network)
  }
  tools.hidden = false;
  var status = document.getElementById("picture-status");
  var find = document.getElementById("picture-find");
  var pathTo = document.getElementById("picture-path-to");
  var original = {};
  nodes.forEach(function (node) {
    original[node.id] = { color: node.color, font: node.font || {} };
  });
  var DIM = { background: "#e5e7eb", border: "#d1d5db",
              highlight: { background: "#e5e7eb", border: "#d1d5db" },
              hover: { background: "#e5e7eb", border: "#d1d5db" } };

  function label(id) {
    return nodes.get(id).label;
  }

  function say(text) {
    status.textContent = text;
  }

  // The shortest path along the links drawn now, by vis-network's own adjacency.
  function pathBetween(from, to) {
    var previous = {};
    previous[from] = null;
    var queue = [from];
    while (queue.length) {
      var here = queue.shift();
      if (here === to) {
        var path = [];
        for (var step = to; step !== null; step = previous[step]) {
          path.unshift(step);
        }
        return path;
      }
      network.getConnectedNodes(here).forEach(function (next) {
        if (!(next in previous)) {
          previous[next] = here;
          queue.push(next);
        }
      });
    }
    return null;
  }

  function paint(kept) {
    nodes.update(nodes.getIds().map(function (id) {
      var near = kept === null || kept[id];
      return { id: id, color: near ? original[id].color : DIM,
               font: Object.assign({}, original[id].font, { color: near ? "#111827" : "#9ca3af" }) };
    }));
  }

  function highlight(id) {
    var near = network.getConnectedNodes(id);
    var kept = {};
    kept[id] = true;
    near.forEach(function (other) { kept[other] = true; });
    var words = label(id) + " is linked directly to " + (near.length ? near.map(label).sort()
      .join(", ") : "no one in the links drawn") + ".";
    var target = pathTo ? pathTo.value : "";
    var pathEdges = [];
    if (target && target !== id) {
      var path = pathBetween(id, target);
      if (path) {
        path.forEach(function (step) { kept[step] = true; });
        for (var i = 0; i + 1 < path.length; i++) {
          pathEdges = pathEdges.concat(edgesBetween(path[i], path[i + 1]));
        }
        words += " Path to " + label(target) + ": " + path.map(label).join(" → ") + ".";
      } else {
        words += " No path to " + label(target) + " along the links drawn.";
      }
    }
    paint(kept);
    network.setSelection({ nodes: [id], edges: network.getConnectedEdges(id).concat(pathEdges) },
                         { unselectAll: true, highlightEdges: false });
    network.focus(id, { scale: 1.1, animation: { duration: 400, easingFunction: "easeInOutQuad" } });
    container.setAttribute("data-highlighted", Object.keys(kept).sort().join(" "));
    say(words);
  }

  function edgesBetween(a, b) {
    return network.getConnectedEdges(a).filter(function (edgeId) {
      var ends = network.getConnectedNodes(edgeId);
      return ends.indexOf(b) >= 0;
    });
  }

  function clear() {
    paint(null);
    network.unselectAll();
    container.removeAttribute("data-highlighted");
    say("");
  }

  function findTyped() {
    var typed = find.value.trim().toLowerCase();
    if (typed.length < 2) {
      say("Type at least two letters of a name in the picture.");
      find.focus();
      return;
    }
    var matches = nodes.get({ filter: function (node) {
      return String(node.label).toLowerCase().indexOf(typed) >= 0;
    } });
    var exact = matches.filter(function (node) { return String(node.label).toLowerCase() === typed; });
    if (exact.length === 1) {
      matches = exact;
    }
    if (matches.length === 0) {
      say("No one in the picture has a name with “" + find.value.trim() + "” in it.");
      find.focus();
    } else if (matches.length > 1) {
      say(matches.length + " people in the picture match: " + matches.map(function (n) {
        return n.label;
      }).sort().join(", ") + ". Type more of the name.");
      find.focus();
    } else {
      highlight(matches[0].id);
    }
  }

  document.getElementById("picture-find-button").addEventListener("click", findTyped);
  find.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      findTyped();
    }
  });
  document.getElementById("picture-clear").addEventListener("click", clear);
  network.on("selectNode", function (event) {
    if (event.nodes.length === 1) {
      highlight(event.nodes[0]);
    }
  });
  network.on("deselectNode", function (event) {
    if (event.nodes.length === 0) {
      clear();
    }
  });

  Array.prototype.forEach.call(tools.querySelectorAll("input[data-kind]"), function (box) {
    box.addEventListener("change", function () {
      hidden[box.getAttribute("data-kind")] = !box.checked;
      drawnEdges.refresh();
      say("Links drawn: " + drawnEdges.length + " of " + edges.length + ".");
    });
  });

  var figure = document.getElementById("picture-area");
  var full = document.getElementById("picture-full-screen");
  if (!figure || !figure.requestFullscreen) {
    full.hidden = true;
  } else {
    full.addEventListener("click", function () {
      if (document.fullscreenElement) {
        document.exitFullscreen();
      } else {
        figure.requestFullscreen();
      }
    });
    document.addEventListener("fullscreenchange", function () {
      full.textContent = document.fullscreenElement ? "Leave full screen" : "Full screen";
      network.redraw();
      network.fit();
    });
  }
}());
