/* The console's live preview of a line's widget (issue 11.10): the real
   loader and widget, fed the settings the administrator is editing. The
   console (same origin) posts [line, token, settings' JSON]; the page asks the
   edge what the widget would be told with them (POST …/widget/preview,
   the one mapping visitors get too) in place of the saved settings, keeps
   the widget inert (no session, nothing sent), and opens it. A change
   reloads the page: the loader and the widget start once per page. */
(function () {
  var KEY = "openline:preview";
  var stored = sessionStorage.getItem(KEY);
  window.addEventListener("message", function (e) {
    var d = e.data;
    if (e.origin !== location.origin || !Array.isArray(d) || d.length !== 3) return;
    // The settings as the widget needs them: never a secret kept here.
    var settings = JSON.parse(d[2]);
    delete settings.identity_secret;
    var next = JSON.stringify({ line: d[0], token: d[1], settings: JSON.stringify(settings) });
    if (next === stored) return;
    sessionStorage.setItem(KEY, next);
    location.reload();
  });
  if (!stored) return;
  var p = JSON.parse(stored);
  var original = window.fetch.bind(window);
  var widgetPath = "/api/v1/lines/" + encodeURIComponent(p.line) + "/widget";
  window.fetch = function (input, init) {
    var url = new URL(typeof input === "string" ? input : input.url, location.href);
    if (url.pathname === widgetPath) {
      return original(widgetPath + "/preview", {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: "Bearer " + p.token },
        body: p.settings
      }).then(function (r) {
        document.body.setAttribute("data-preview", r.ok ? "ready" : "refused");
        return r;
      });
    }
    // Inert: nothing to resume, nothing opened or sent from a preview.
    if (url.pathname.indexOf("/api/v1/visitor/") === 0) {
      return Promise.resolve(new Response(null, { status: 204 }));
    }
    return original(input, init);
  };
  document.getElementById("note").hidden = true;
  var s = document.createElement("script");
  s.src = "/widget.js";
  s.setAttribute("data-line", p.line);
  document.body.appendChild(s);
  // Open the panel once the launcher is drawn (even one the line hides
  // outside working hours: the preview shows the chat either way).
  var tries = 0;
  var timer = setInterval(function () {
    var host = document.querySelector("[data-openline]");
    var launcher = host && host.shadowRoot && host.shadowRoot.querySelector(".l");
    if (launcher && document.body.getAttribute("data-preview")) {
      clearInterval(timer);
      launcher.hidden = false;
      launcher.click();
    } else if (++tries > 100) {
      clearInterval(timer);
    }
  }, 50);
})();
