/* openline loader: draws the launcher in a Shadow DOM and fetches the chat
   (Leptos/wasm) only when the visitor shows interest, or when a conversation
   is already in progress. Plain JS, no dependencies: it is all a host page
   pays for until then. */
(function () {
  var script = document.currentScript;
  if (!script || window.__openline) return;
  window.__openline = 1;
  var line = script.getAttribute("data-line") || "demo";
  var base = new URL(script.src, location.href).origin;
  var side = script.getAttribute("data-position") === "left" ? "left" : "right";
  var color = script.getAttribute("data-color") || "#1f6feb";
  var host = document.createElement("div");
  host.setAttribute("data-openline", "");
  // Fixed and zero-sized: the launcher never shifts the host page's layout.
  host.style.cssText = "position:fixed;bottom:0;" + side + ":0;width:0;height:0;z-index:2147483000";
  var root = host.attachShadow({ mode: "open" });
  root.innerHTML =
    "<style>.l{position:fixed;bottom:20px;" + side + ":20px;width:56px;height:56px;border-radius:50%;border:0;cursor:pointer;background:" + color +
    ";color:#fff;box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center}" +
    ".l:focus-visible{outline:3px solid #000;outline-offset:3px}.p{position:fixed;bottom:88px;" + side +
    ":20px}.p[hidden]{display:none}</style>" +
    '<button class="l" type="button" aria-label="Open chat" aria-expanded="false">' +
    '<svg width="26" height="26" viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg></button>' +
    '<div class="p" hidden></div>';
  var button = root.querySelector(".l");
  var panel = root.querySelector(".p");
  var loading = null;
  var mounted = false;

  function load() {
    if (!loading) {
      var css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = base + "/widget/widget.css";
      root.appendChild(css);
      loading = import(base + "/widget/openline_widget.js").then(function (m) {
        return m.default({ module_or_path: base + "/widget/openline_widget_bg.wasm" }).then(function () { return m; });
      });
    }
    return loading;
  }
  function setOpen(open) {
    panel.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    button.setAttribute("aria-label", open ? "Close chat" : "Open chat");
  }
  function close() {
    setOpen(false);
    button.focus();
  }
  function open() {
    setOpen(true);
    load().then(function (m) {
      if (!mounted) {
        mounted = true;
        m.start(panel, line, base, close);
      }
      var input = panel.querySelector("textarea");
      if (input) input.focus();
    }, function () {
      panel.textContent = "The chat could not be loaded. Please try again later.";
    });
  }
  button.addEventListener("click", function () { panel.hidden ? open() : close(); });
  button.addEventListener("pointerenter", load, { once: true });
  button.addEventListener("focus", load, { once: true });
  root.addEventListener("keydown", function (e) { if (e.key === "Escape" && !panel.hidden) close(); });
  try {
    if (localStorage.getItem("openline:" + line + ":session")) load();
  } catch (e) { /* storage blocked: nothing in progress to show */ }
  (document.body || document.documentElement).appendChild(host);
})();
