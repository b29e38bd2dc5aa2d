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
  function attr(n) { return script.getAttribute("data-" + n); }
  // A logged-in user, vouched for by the site's server (HMAC of the id).
  var user = script.getAttribute("data-user-id");
  var identity = user ? {
    user_id: user,
    hash: script.getAttribute("data-user-hash") || "",
    name: script.getAttribute("data-user-name") || undefined,
    email: script.getAttribute("data-user-email") || undefined
  } : null;
  var words = {
    en: ["Open chat", "Close chat", " unread", "The chat could not be loaded. Please try again later.", "New message"],
    ru: ["Открыть чат", "Закрыть чат", " непрочитанных", "Не удалось загрузить чат. Попробуйте позже.", "Новое сообщение"]
  };
  var t = words.en;
  var host = document.createElement("div");
  host.setAttribute("data-openline", "");
  var root = host.attachShadow({ mode: "open" });
  root.innerHTML = "<style></style>" +
    '<button class="l" type="button" aria-expanded="false" hidden>' +
    '<svg width="26" height="26" viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>' +
    '<span class="t"></span><span class="b" aria-hidden="true" hidden></span></button>' +
    '<div class="p" hidden></div>';
  var button = root.querySelector(".l");
  var badge = root.querySelector(".b");
  var panel = root.querySelector(".p");
  var sound = false;
  var title0, blink, audio;
  // Side, colour and label: the snippet's attributes, else the line's
  // settings (a colour is a hex code: the edge checks it).
  function look(l) {
    var side = (attr("position") || l.position) === "left" ? "left" : "right";
    var text = attr("label") || l.label || "";
    // Fixed and zero-sized: the launcher never shifts the host page's layout.
    host.style.cssText = "position:fixed;bottom:0;" + side + ":0;width:0;height:0;z-index:2147483000";
    root.querySelector("style").textContent =
      ".l{position:fixed;bottom:20px;" + side + ":20px;min-width:56px;height:56px;border-radius:28px;border:0;cursor:pointer;background:" + (attr("color") || l.color || "#1f6feb") +
      ";color:#fff;box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;gap:8px;align-items:center;justify-content:center;padding:0 " + (text ? 20 : 0) + "px;font:600 15px system-ui,sans-serif}" +
      ".l[hidden],.b[hidden],.p[hidden]{display:none}.l:focus-visible{outline:3px solid #000;outline-offset:3px}" +
      ".b{position:absolute;top:-4px;" + (side === "left" ? "right" : "left") + ":-4px;min-width:20px;height:20px;padding:0 5px;box-sizing:border-box;" +
      "border-radius:10px;background:#b42318;color:#fff;font:700 12px/20px system-ui,sans-serif;text-align:center}" +
      ".p{position:fixed;bottom:88px;" + side + ":20px}";
    root.querySelector(".t").textContent = text;
  }
  look({});
  var loading = null;
  var mounted = false;
  var unread = 0;
  var inProgress = false;
  var configAt = 0;
  var pending = null;
  try {
    inProgress = !!localStorage.getItem("openline:" + line + ":session");
  } catch (e) { /* storage blocked: nothing in progress to show */ }

  function label() {
    var open = !panel.hidden;
    button.setAttribute("aria-expanded", String(open));
    button.setAttribute("aria-label", (open ? t[1] : t[0]) + (unread ? " (" + unread + t[2] + ")" : ""));
    badge.textContent = unread;
    badge.hidden = !unread;
  }
  function setUnread(n) {
    // A reply the visitor sees as it comes (the chat open, the tab in front) is read.
    if (n && !panel.hidden && !document.hidden) {
      load().then(function (m) { m.seen(); });
      n = 0;
    }
    // A reply while the visitor looks at another tab: the title blinks (and
    // a short tone, if the line asks for one) until they come back.
    if (n > unread && document.hidden) {
      if (!blink) {
        title0 = document.title;
        blink = setInterval(function () {
          document.title = document.title === title0 ? "(" + unread + ") " + t[4] : title0;
        }, 1000);
      }
      if (sound) try {
        // One context for the page (browsers limit how many it may open).
        var a = audio = audio || new AudioContext(), o = a.createOscillator(), g = a.createGain();
        g.gain.value = 0.1;
        o.connect(g).connect(a.destination);
        o.start();
        o.stop(a.currentTime + 0.15);
      } catch (e) { /* no sound, no harm */ }
    }
    unread = n;
    label();
  }
  document.addEventListener("visibilitychange", function () {
    if (document.hidden || !blink) return;
    clearInterval(blink);
    blink = 0;
    document.title = title0;
    // Back on the page with the chat open: what arrived is read.
    if (!panel.hidden) load().then(function (m) { setUnread(0); m.seen(); });
  });
  function load() {
    if (!loading) {
      var css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = base + "/widget/widget.css";
      root.appendChild(css);
      // The line's settings (refreshed if older than a minute: "open now"
      // may have changed) load while the wasm downloads.
      var settings = configAt && Date.now() - configAt > 60000 ? settingsNow() : pending;
      loading = Promise.all([import(base + "/widget/openline_widget.js"), settings]).then(function (r) {
        var m = r[0];
        return m.default({ module_or_path: base + "/widget/openline_widget_bg.wasm" }).then(function () {
          if (!mounted) {
            mounted = true;
            m.start(panel, line, base, close, setUnread, identity, r[1]);
          }
          return m;
        });
      });
    }
    return loading;
  }
  function close() {
    panel.hidden = true;
    label();
    button.focus();
  }
  function open() {
    panel.hidden = false;
    setUnread(0);
    load().then(function (m) {
      m.seen();
      var input = panel.querySelector("textarea");
      if (input) input.focus();
    }, function () {
      panel.textContent = t[3];
    });
  }
  // The launcher shows once the line's settings say how: in which language,
  // and whether at all (H3: hidden outside working hours, unless a
  // conversation is in progress). If the edge cannot be reached, it shows.
  function show(config) {
    var lang = (script.getAttribute("data-lang") || (config && config.language) || navigator.language || "en").slice(0, 2).toLowerCase();
    t = words[lang] || words.en;
    if (config) {
      look(config.launcher || {});
      sound = config.reply_sound;
    }
    label();
    button.hidden = !!(config && config.hide_when_closed && !config.open && !inProgress);
  }
  function settingsNow() {
    return pending = fetch(base + "/api/v1/lines/" + encodeURIComponent(line) + "/widget").then(function (r) {
      return r.ok ? r.json() : null;
    }).catch(function () { return null; }).then(function (c) {
      configAt = c ? Date.now() : 0;
      return c;
    });
  }
  settingsNow().then(show);
  button.addEventListener("click", function () { panel.hidden ? open() : close(); });
  button.addEventListener("pointerenter", load, { once: true });
  button.addEventListener("focus", load, { once: true });
  root.addEventListener("keydown", function (e) { if (e.key === "Escape" && !panel.hidden) close(); });
  // A conversation in progress: connect now, so replies raise the badge.
  if (inProgress) load().catch(function () {});
  (document.body || document.documentElement).appendChild(host);
})();
