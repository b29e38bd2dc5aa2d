// Minimal CDP client: node cdp.js <inspectorPort> <outFile> <intervalUs>
// Starts the sampling profiler on the user-worker target, then waits for
// SIGUSR2 (or stdin 'stop') to stop and save the .cpuprofile.
const WebSocket = require('ws');
const http = require('http');
const fs = require('fs');
const [port, out, intervalUs] = [process.argv[2] || '9229', process.argv[3], +(process.argv[4] || 100)];
function getJSON(url) { return new Promise((res, rej) => http.get(url, r => { let b=''; r.on('data', d => b += d); r.on('end', () => { try { res(JSON.parse(b)); } catch (e) { rej(e); } }); }).on('error', rej)); }
(async () => {
  const list = await getJSON(`http://127.0.0.1:${port}/json/list`);
  console.error('targets:', JSON.stringify(list.map(t => ({ title: t.title, id: t.id, url: t.url, ws: t.webSocketDebuggerUrl }))));
  const t = list.find(t => /openline/.test(t.title || '') || /openline/.test(t.url || '')) || list[0];
  const ws = new WebSocket(t.webSocketDebuggerUrl, { perMessageDeflate: false, maxPayload: 1 << 30 });
  let id = 0; const pend = new Map();
  const send = (method, params = {}) => new Promise((res, rej) => { const i = ++id; pend.set(i, { res, rej, method }); ws.send(JSON.stringify({ id: i, method, params })); });
  ws.on('message', m => { const msg = JSON.parse(m); if (msg.id && pend.has(msg.id)) { const p = pend.get(msg.id); pend.delete(msg.id); msg.error ? p.rej(new Error(p.method + ': ' + JSON.stringify(msg.error))) : p.res(msg.result); } });
  await new Promise((res, rej) => { ws.on('open', res); ws.on('error', rej); });
  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval: intervalUs });
  await send('Profiler.start');
  const t0 = Date.now();
  console.error('profiler started on', t.title, 'interval', intervalUs, 'us');
  fs.writeFileSync(out + '.started', String(t0));
  const stop = async () => {
    const r = await send('Profiler.stop');
    fs.writeFileSync(out, JSON.stringify(r.profile));
    console.error('saved', out, 'nodes', r.profile.nodes.length, 'samples', r.profile.samples.length, 'wall s', (Date.now() - t0) / 1000);
    ws.close(); process.exit(0);
  };
  process.on('SIGUSR2', stop);
  process.stdin.on('data', d => { if (String(d).includes('stop')) stop(); });
})().catch(e => { console.error(e); process.exit(1); });
