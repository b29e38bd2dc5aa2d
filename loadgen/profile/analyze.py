#!/usr/bin/env python3
"""Aggregate a V8 .cpuprofile from workerd: self time by function, category, entry point.
usage: analyze.py PROFILE [NAMED_WASM] [shim.js source for glue line lookup]"""
import json, sys, re, collections
prof = json.load(open(sys.argv[1]))
named = sys.argv[2]  # the served wasm rebuilt with its name section (see docs/perf.md)
def leb(b, i):
    r = s = 0
    while True:
        x = b[i]; i += 1; r |= (x & 0x7f) << s; s += 7
        if x < 0x80: return r, i
def wasm_names(p):
    d = open(p, 'rb').read(); i = 8; names = {}
    while i < len(d):
        sid = d[i]; i += 1; sz, i = leb(d, i); end = i + sz
        if sid == 0:
            nl, j = leb(d, i); nm = d[j:j+nl].decode(); j += nl
            if nm == 'name':
                while j < end:
                    sub = d[j]; j += 1; ssz, j = leb(d, j); se = j + ssz
                    if sub == 1:
                        c, k = leb(d, j)
                        for _ in range(c):
                            idx, k = leb(d, k); ln, k = leb(d, k); names[idx] = d[k:k+ln].decode('utf8', 'replace'); k += ln
                    j = se
        i = end
    return names
WN = wasm_names(named)
def short(n):
    n = re.sub(r'::h[0-9a-f]{16}$', '', n)
    return n
nodes = {n['id']: n for n in prof['nodes']}
parent = {}
for n in prof['nodes']:
    for c in n.get('children', []): parent[c] = n['id']
samples = prof['samples']; deltas = prof['timeDeltas']
# weight: each sample counts its own following delta capped at 2x the median (gaps = isolate not running)
sd = sorted(deltas); med = sd[len(sd)//2]
cap = 2 * med
w = [min(d, cap) for d in deltas[1:]] + [med]
def label(n):
    cf = n['callFrame']; fn = cf['functionName']; url = cf['url']
    m = re.match(r'wasm-function\[(\d+)\]', fn)
    if m:
        idx = int(m.group(1)); return 'wasm', short(WN.get(idx, fn)) + f' [#{idx}]'
    if fn.startswith('$'):
        return 'wasm', short(fn)
    if fn in ('(idle)',): return 'idle', fn
    if fn in ('(garbage collector)',): return 'gc', fn
    if fn in ('(program)', '(root)'): return 'program', fn
    if fn in ('wasm-to-js', 'js-to-wasm::', 'js-to-wasm') or fn.startswith('js-to-wasm'): return 'transition', fn
    if url == '' : return 'builtin', fn or '(anon builtin)'
    return 'js', f"{fn or '(anon)'} {url}:{cf['lineNumber']+1}"
def category(n):
    return label(n)[0]
selfw = collections.Counter(); selfc = collections.Counter(); cat = collections.Counter()
total_w = 0
# inclusive per entry (first non-root frame chain) and per "builtin called from wasm glue" chain
def chain(nid):
    out = []
    while nid in nodes:
        out.append(nid); nid = parent.get(nid)
    return out[::-1]
entry = collections.Counter(); crate = collections.Counter(); builtin_by_glue = collections.Counter()
chains_cache = {}
for s, ww in zip(samples, w):
    n = nodes[s]; c, l = label(n)
    selfw[(c, l)] += ww; selfc[(c, l)] += 1; cat[c] += ww; total_w += ww
    if s not in chains_cache: chains_cache[s] = chain(s)
    ch = chains_cache[s]
    # entry: the outermost shim.js function with a meaningful name (webSocketMessage/fetch/alarm/...) + class from line
    ent = None
    for nid in ch:
        cf = nodes[nid]['callFrame']
        if cf['url'].endswith('shim.js') and cf['functionName'] in ('webSocketMessage', 'fetch', 'alarm', 'webSocketClose', 'construct', 'B.fetch', 'connect'):
            ent = f"{cf['functionName']}@{cf['lineNumber']+1}"; break
    if ent is None:
        ent = 'other:' + (nodes[ch[1]]['callFrame']['functionName'] if len(ch) > 1 else '?')
    entry[ent] += ww
    if c == 'wasm':
        m = re.match(r'(?:<)?([a-z_0-9]+)', l); crate[m.group(1) if m else l] += ww
    if c == 'builtin':
        # the nearest shim.js caller (glue import) for builtins
        caller = None
        for nid in reversed(ch[:-1]):
            cf = nodes[nid]['callFrame']
            if cf['url'].endswith('shim.js'): caller = f"shim.js:{cf['lineNumber']+1}"; break
        builtin_by_glue[(l, caller)] += ww
busy = total_w - cat['idle']
print(f"samples {len(samples)}  median interval {med} us  weighted total {total_w/1e3:.1f} ms  busy (non-idle) {busy/1e3:.1f} ms  profile wall {(prof['endTime']-prof['startTime'])/1e6:.1f} s")
print("\n== category (% of busy) ==")
for c, v in cat.most_common():
    print(f"{c:12s} {v/1e3:9.1f} ms  {100*v/busy if c!='idle' else float('nan'):5.1f}%")
print("\n== top self (% of busy) ==")
for (c, l), v in selfw.most_common(int(sys.argv[3]) if len(sys.argv) > 3 else 40):
    if c == 'idle': continue
    print(f"{100*v/busy:5.1f}% {v/1e3:8.1f} ms  n={selfc[(c,l)]:6d}  {c:10s} {l[:150]}")
print("\n== wasm self by crate/top path ==")
for k, v in crate.most_common(15): print(f"{100*v/busy:5.1f}%  {k}")
print("\n== inclusive by entry handler (shim.js line) ==")
for k, v in entry.most_common(20): print(f"{100*v/busy:5.1f}% {v/1e3:8.1f} ms  {k}")
print("\n== builtins by calling glue line ==")
for (b, g), v in builtin_by_glue.most_common(25): print(f"{100*v/busy:5.1f}%  {b:30s} {g}")
