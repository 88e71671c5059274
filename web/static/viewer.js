// wenyuan zoom viewer: progressive enhancement of the item page's web image.
// Zoom with the mouse wheel, a two-finger pinch or the + / - keys; pan by
// dragging or with the arrow keys; 0 resets. Without this script the page
// shows the same image, unzoomed. No inline script: the image is found by
// its data-viewer attribute.
(function () {
  "use strict";
  var MIN_SCALE = 1;
  var MAX_SCALE = 8;
  var KEY_STEP = 60;

  function setUp(stage) {
    var image = stage.querySelector("img");
    if (!image) { return; }
    var controls = stage.parentNode.querySelector("[data-viewer-controls]");
    var scale = 1, offsetX = 0, offsetY = 0;
    var pointers = new Map();
    var lastPinchDistance = 0;

    stage.tabIndex = 0;
    stage.classList.add("is-zoomable");
    stage.setAttribute("role", "application");
    if (image.alt) { stage.setAttribute("aria-label", image.alt); }
    if (controls) { controls.hidden = false; }

    // Keeps the zoomed image covering the box the unzoomed image fills.
    function clamp() {
      var width = image.offsetWidth, height = image.offsetHeight;
      offsetX = Math.min(0, Math.max(width - width * scale, offsetX));
      offsetY = Math.min(0, Math.max(height - height * scale, offsetY));
    }

    function apply() {
      clamp();
      image.style.transform = "translate(" + offsetX + "px," + offsetY + "px) scale(" + scale + ")";
    }

    // Zooms by `factor` keeping the point (clientX, clientY) still.
    function zoomAt(factor, clientX, clientY) {
      var next = Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale * factor));
      var rect = image.getBoundingClientRect();
      var pointX = clientX - rect.left, pointY = clientY - rect.top;
      var ratio = next / scale;
      offsetX -= pointX * (ratio - 1);
      offsetY -= pointY * (ratio - 1);
      scale = next;
      apply();
    }

    function zoomAtCentre(factor) {
      var rect = stage.getBoundingClientRect();
      zoomAt(factor, rect.left + rect.width / 2, rect.top + rect.height / 2);
    }

    function reset() { scale = 1; offsetX = 0; offsetY = 0; apply(); }

    stage.addEventListener("wheel", function (event) {
      event.preventDefault();
      zoomAt(event.deltaY < 0 ? 1.2 : 1 / 1.2, event.clientX, event.clientY);
    }, { passive: false });

    stage.addEventListener("pointerdown", function (event) {
      stage.setPointerCapture(event.pointerId);
      pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
      if (pointers.size === 1) { stage.classList.add("is-dragging"); }
    });

    stage.addEventListener("pointermove", function (event) {
      if (!pointers.has(event.pointerId)) { return; }
      var previous = pointers.get(event.pointerId);
      pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
      if (pointers.size === 2) {
        var points = Array.from(pointers.values());
        var dx = points[0].x - points[1].x, dy = points[0].y - points[1].y;
        var distance = Math.sqrt(dx * dx + dy * dy);
        if (lastPinchDistance > 0) {
          zoomAt(distance / lastPinchDistance, (points[0].x + points[1].x) / 2, (points[0].y + points[1].y) / 2);
        }
        lastPinchDistance = distance;
      } else if (pointers.size === 1 && scale > 1) {
        offsetX += event.clientX - previous.x;
        offsetY += event.clientY - previous.y;
        apply();
      }
    });

    function endPointer(event) {
      pointers.delete(event.pointerId);
      if (pointers.size < 2) { lastPinchDistance = 0; }
      if (pointers.size === 0) { stage.classList.remove("is-dragging"); }
    }
    stage.addEventListener("pointerup", endPointer);
    stage.addEventListener("pointercancel", endPointer);

    stage.addEventListener("dblclick", function (event) {
      if (scale > 1) { reset(); } else { zoomAt(2, event.clientX, event.clientY); }
    });

    stage.addEventListener("keydown", function (event) {
      var handled = true;
      switch (event.key) {
        case "+": case "=": zoomAtCentre(1.25); break;
        case "-": case "_": zoomAtCentre(1 / 1.25); break;
        case "0": reset(); break;
        case "ArrowLeft": offsetX += KEY_STEP; apply(); break;
        case "ArrowRight": offsetX -= KEY_STEP; apply(); break;
        case "ArrowUp": offsetY += KEY_STEP; apply(); break;
        case "ArrowDown": offsetY -= KEY_STEP; apply(); break;
        default: handled = false;
      }
      if (handled) { event.preventDefault(); }
    });

    if (controls) {
      controls.addEventListener("click", function (event) {
        var button = event.target.closest("[data-zoom]");
        if (!button) { return; }
        var action = button.getAttribute("data-zoom");
        if (action === "in") { zoomAtCentre(1.25); }
        else if (action === "out") { zoomAtCentre(1 / 1.25); }
        else { reset(); }
      });
    }
    window.addEventListener("resize", apply);
  }

  document.querySelectorAll("[data-viewer]").forEach(setUp);
})();
