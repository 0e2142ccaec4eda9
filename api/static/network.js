// Draws the network picture from the JSON the page carries (made with pyvis on the server).
(function () {
  "use strict";
  var source = document.getElementById("network-data");
  var container = document.getElementById("network-picture");
  if (!source || !container || typeof vis === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var network = new vis.Network(container, {
    nodes: new vis.DataSet(data.nodes),
    edges: new vis.DataSet(data.edges)
  }, data.options);
  // vis-network makes its frame focusable (arrow keys move, + and - zoom): say what it is.
  var frame = container.querySelector(".vis-network");
  if (frame) {
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
}());
