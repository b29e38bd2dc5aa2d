#!/usr/bin/env python3
"""Where a wasm module's bytes go: its sections, and its function bodies
summed by crate::module (from the name section, so run it on a wasm that
still has names, e.g. target/edge/wasm32-unknown-unknown/release/
openline_edge.wasm before wasm-bindgen).

    python3 scripts/wasm-sizes.py FILE.wasm [GROUPS=40] [TOP_FUNCTIONS=0]
"""
import collections
import re
import sys


def leb(b, i):
    r = s = 0
    while True:
        x = b[i]
        i += 1
        r |= (x & 0x7F) << s
        s += 7
        if x < 0x80:
            return r, i


def skip_limits(b, j):
    flags = b[j]
    j += 1
    _, j = leb(b, j)
    if flags & 1:
        _, j = leb(b, j)
    return j


def main():
    data = open(sys.argv[1], "rb").read()
    groups_n = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    top_n = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    i, imported, bodies, names = 8, 0, [], {}
    sections = collections.Counter()
    while i < len(data):
        sid = data[i]
        size, i = leb(data, i + 1)
        end = i + size
        if sid == 0:
            nl, j = leb(data, i)
            name = data[j:j + nl].decode()
            j += nl
            sections["custom:" + name] += size
            while name == "name" and j < end:
                sub, j = data[j], j + 1
                ssz, j = leb(data, j)
                if sub == 1:
                    cnt, k = leb(data, j)
                    for _ in range(cnt):
                        idx, k = leb(data, k)
                        ln, k = leb(data, k)
                        names[idx] = data[k:k + ln].decode("utf8", "replace")
                        k += ln
                j += ssz
        else:
            sections[sid] += size
            if sid == 2:  # imports: functions among them shift the indices
                cnt, j = leb(data, i)
                for _ in range(cnt):
                    for _ in range(2):
                        ln, j = leb(data, j)
                        j += ln
                    kind, j = data[j], j + 1
                    if kind == 0:
                        _, j = leb(data, j)
                        imported += 1
                    elif kind == 1:
                        j = skip_limits(data, j + 1)
                    elif kind == 2:
                        j = skip_limits(data, j)
                    elif kind == 3:
                        j += 2
                    elif kind == 4:
                        _, j = leb(data, j + 1)
            if sid == 10:  # code
                cnt, j = leb(data, i)
                for n in range(cnt):
                    bs, j = leb(data, j)
                    bodies.append((imported + n, bs))
                    j += bs
        i = end
    print("sections (id: bytes):", dict(sections))
    print("code:", sum(b for _, b in bodies), "bytes in", len(bodies), "functions")
    groups = collections.Counter()
    for idx, size in bodies:
        name = names.get(idx, "?")
        m = re.match(r"_ZN(\d+)", name)
        if m:
            start = len(m.group(0))
            crate = name[start:start + int(m.group(1))]
            rest = name[start + int(m.group(1)):]
            m2 = re.match(r"(\d+)", rest)
            module = rest[len(m2.group(0)):len(m2.group(0)) + int(m2.group(1))] if m2 else ""
            name = f"{crate}::{module}"
        else:
            name = name.split("::")[0][:60]
        groups[name] += size
    for name, size in groups.most_common(groups_n):
        print(f"{size:9d}  {name}")
    for idx, size in sorted(bodies, key=lambda x: -x[1])[:top_n]:
        print(size, names.get(idx, "?")[:150])


if __name__ == "__main__":
    main()
