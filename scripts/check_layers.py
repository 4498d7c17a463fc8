#!/usr/bin/env python3
"""Fails when an #include points up the stack.

Usage: check_layers.py SOURCE_DIR          check the tree (the layers are in
                                           SOURCE_DIR/scripts/layers.txt)
       check_layers.py --self-test         show that the checker catches violations

Every "dir/.../file.h" include whose first directory is one of the project's layers is
checked against the order in scripts/layers.txt: a file may include its own layer and the
layers listed below it. Exit status 1, with one line per violation, if any is found.
"""
import os
import re
import subprocess
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
SOURCE_SUFFIXES = ('.h', '.cc', '.cpp')


def load_layers(path):
    """Returns {directory: (rank, group index)}; a lower rank is lower in the stack."""
    rows = []
    with open(path) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                rows.append(line.split())
    layers = {}
    for i, group in enumerate(rows):
        rank = len(rows) - i
        for d in group:
            if d in layers:
                raise SystemExit(f'{path}: {d} is listed twice')
            layers[d] = rank
    return layers


def layer_of(path, layers):
    """The longest listed directory that is a prefix of `path`, or None."""
    parts = path.split('/')
    for n in range(len(parts) - 1, 0, -1):
        d = '/'.join(parts[:n])
        if d in layers:
            return d
    return None


def is_test_file(path):
    return (path.endswith('_test.cc') or path.startswith('tests/') or
            path.startswith('bench/'))


def violations(root, files, layers):
    out = []
    for rel in files:
        here = layer_of(rel, layers)
        if here is None:
            out.append(f'{rel}: its directory is in no layer of scripts/layers.txt')
            continue
        with open(os.path.join(root, rel), encoding='utf-8', errors='replace') as f:
            text = f.read()
        for m in INCLUDE.finditer(text):
            inc = m.group(1)
            there = layer_of(inc, layers)
            if there is None or there == here:
                continue
            if is_test_file(rel) and '/testing/' in inc:
                continue
            if layers[there] >= layers[here]:
                line = text.count('\n', 0, m.start()) + 1
                kind = 'sibling' if layers[there] == layers[here] else 'higher'
                out.append(f'{rel}:{line}: includes "{inc}" from {kind} layer {there} '
                           f'(this file is in {here}; see scripts/layers.txt)')
    return out


def tracked_sources(root):
    try:
        listed = subprocess.run(['git', '-C', root, 'ls-files', '--cached', '--others', '--exclude-standard'], check=True,
                                capture_output=True, text=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        listed = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if not d.startswith(('.', 'build'))]
            for name in filenames:
                listed.append(os.path.relpath(os.path.join(dirpath, name), root))
    return [f for f in listed if f.endswith(SOURCE_SUFFIXES)]


def check(root):
    layers = load_layers(os.path.join(root, 'scripts', 'layers.txt'))
    files = tracked_sources(root)
    found = violations(root, files, layers)
    for v in found:
        print(v)
    print(f'checked {len(files)} files against {len(layers)} layers: '
          f'{len(found)} include(s) pointing up the stack')
    return 1 if found else 0


def self_test():
    """A small tree with one allowed include of each kind and four violations."""
    tree = {
        'scripts/layers.txt': 'app\nsql/a sql/b\nlib\ncommon\n',
        'app/main.cc': '#include "lib/x.h"\n#include "sql/a/y.h"\n',
        'sql/a/y.h': '#include "lib/x.h"\n#include "sql/a/internal/z.h"\n',
        'sql/a/internal/z.h': '#include "sql/b/w.h"\n',          # sibling: violation
        'sql/b/w.h': '#include "common/c.h"\n#include <vector>\n#include "absl/x.h"\n',
        'lib/x.h': '#include "app/main.h"\n',                      # higher: violation
        'lib/x_test.cc': '#include "sql/a/testing/f.h"\n#include "app/q.h"\n',  # 2nd: violation
        'common/c.h': '',
        'stray/s.cc': '',                                          # no layer: violation
    }
    with tempfile.TemporaryDirectory() as root:
        for rel, text in tree.items():
            os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
            with open(os.path.join(root, rel), 'w') as f:
                f.write(text)
        layers = load_layers(os.path.join(root, 'scripts', 'layers.txt'))
        files = [f for f in tree if f.endswith(SOURCE_SUFFIXES)]
        found = sorted(violations(root, files, layers))
    expected = ['lib/x.h:1', 'lib/x_test.cc:2', 'sql/a/internal/z.h:1', 'stray/s.cc']
    got = [v.split(': ')[0] for v in found]
    if got != expected:
        print('self-test FAILED: expected violations at', expected, 'got', found)
        return 1
    print('self-test passed: the checker reports exactly the', len(expected),
          'planted violations')
    return 0


if __name__ == '__main__':
    if len(sys.argv) == 2 and sys.argv[1] == '--self-test':
        sys.exit(self_test())
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(check(os.path.abspath(sys.argv[1])))
