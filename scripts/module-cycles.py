#!/usr/bin/env python3
# Module import graph of src/: edges between modules (files), and cycles among top-level
# modules and among siblings inside one folder. Test modules (#[cfg(test)]) are ignored.
# Names the crate root re-exports (`pub use error::Error;` in lib.rs) resolve to the module
# that defines them, so that `crate::Error` counts as an import of `error`.
import re, os, sys, itertools
root = sys.argv[1] if len(sys.argv) > 1 else 'src'
mods = {}
for dp, _, fs in os.walk(root):
    for f in fs:
        if not f.endswith('.rs'): continue
        p = os.path.join(dp, f)
        rel = os.path.relpath(p, root)[:-3].split(os.sep)
        if rel[-1] in ('mod', 'lib', 'main'): rel = rel[:-1]
        mods[tuple(rel)] = p
def reexports(path):
    """name -> module path, for each `pub use a::b::{x, y};` / `pub use a::b::x;` of a file."""
    text = open(path).read().split('#[cfg(test)]')[0]
    out = {}
    for src, names in re.findall(r'pub use ((?:\w+::)*\w+)::\{([^}]*)\}', text):
        for name in names.split(','):
            name = name.strip().split(' as ')[-1].strip()
            if name: out[name] = src.split('::')
    for src, name in re.findall(r'pub use ((?:\w+::)+)(\w+)\s*;', text):
        out[name] = src.strip(':').split('::')
    return out
root_names = {}
for lib in ('lib.rs', 'main.rs'):
    if os.path.exists(os.path.join(root, lib)):
        root_names.update(reexports(os.path.join(root, lib)))
def resolve(path):
    # a name the crate root re-exports stands for its module
    if path and path[0] in root_names:
        path = root_names[path[0]] + path[1:]
    # longest module prefix of path that exists
    for n in range(len(path), 0, -1):
        if tuple(path[:n]) in mods: return tuple(path[:n])
    return None
edges = set()
for m, p in mods.items():
    text = open(p).read()
    text = text.split('#[cfg(test)]')[0]
    for ref in re.findall(r'\b(crate|super)((?:::\w+)+)', text):
        kind, rest = ref
        parts = rest.strip(':').split('::')
        if kind == 'crate': base = []
        else:
            base = list(m[:-1]) if not p.endswith('mod.rs') else list(m[:-1])
            # super:: from a file module means its parent; from mod.rs too
        target = resolve(base + parts)
        if target and target != m and not (m[:len(target)] == target):
            edges.add((m, target))
    # `use {a, b}` groups: crate::x::{y, z}
    for grp in re.findall(r'\b(crate|super)((?:::\w+)*)::\{([^}]*)\}', text):
        kind, rest, items = grp
        parts = [x for x in rest.strip(':').split('::') if x]
        base = [] if kind == 'crate' else list(m[:-1])
        for it in items.split(','):
            it = it.strip().split('::')[0]
            if not it or it == 'self': continue
            target = resolve(base + parts + [it])
            if target and target != m and not (m[:len(target)] == target):
                edges.add((m, target))
def level(a, b):
    # compare at the first differing level: a sibling pair
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]: i += 1
    return a[:i+1], b[:i+1]
sib = set()
for a, b in edges:
    x, y = level(a, b)
    if x != y and len(x) == len(y): sib.add((x, y))
cycles = sorted({tuple(sorted([x, y])) for x, y in sib if (y, x) in sib})
for x, y in cycles:
    print('circle:', '::'.join(x), '<->', '::'.join(y))
print(f'{len(mods)} modules, {len(edges)} imports, {len(cycles)} two-way pairs')
# Cycles of any length among siblings (strongly connected components of more than one).
from collections import defaultdict
groups = defaultdict(lambda: defaultdict(set))
for x, y in sib:
    groups[x[:-1]][x].add(y)
def sccs(g):
    index, low, stack, on, out, i = {}, {}, [], set(), [], [0]
    def visit(v):
        index[v] = low[v] = i[0]; i[0] += 1; stack.append(v); on.add(v)
        for w in g.get(v, ()):
            if w not in index: visit(w); low[v] = min(low[v], low[w])
            elif w in on: low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v: break
            if len(comp) > 1: out.append(comp)
    for v in list(g): 
        if v not in index: visit(v)
    return out
n = 0
for parent, g in groups.items():
    for comp in sccs(g):
        n += 1
        print('cycle in', '::'.join(parent) or 'crate', ':', ' -> '.join('::'.join(c) for c in comp))
print(f'{n} import cycles of any length')
