// Starts the console (a file, not an inline script, so the page's
// Content-Security-Policy can allow only the app's own scripts).
import init from "/console/openline_console.js";
init({ module_or_path: "/console/openline_console_bg.wasm" });
