#!/usr/bin/env python3
"""ike/fuzz/greedy_cover.py TARGET LIMIT [CONTROL_FILE]: copy into corpus/TARGET the LIMIT files of a libFuzzer
merge control file (default /tmp/ike3-ctl-TARGET) that cover the most edges, keeping existing seeds."""
import os, sys, shutil
t, limit = sys.argv[1], int(sys.argv[2])
ctl = sys.argv[3] if len(sys.argv) > 3 else f"/tmp/ike3-ctl-{t}"
lines = open(ctl).read().split("\n")
n = int(lines[0]); files = lines[2:2 + n]
cov = {}
for l in lines[2 + n:]:
    if l.startswith("COV "):
        p = l.split(); cov[int(p[1])] = set(map(int, p[2:]))
allcov = set().union(*cov.values())
seeds = set(os.listdir(f"corpus/{t}"))
chosen = [i for i in cov if os.path.basename(files[i]) in seeds]
covered = set().union(*(cov[i] for i in chosen)) if chosen else set()
print(t, "seeds", len(chosen), "cover", len(covered), "/", len(allcov))
while len(chosen) < limit:
    best = max((i for i in cov if i not in chosen), key=lambda i: (len(cov[i] - covered), -os.path.getsize(files[i])), default=None)
    if best is None or not (cov[best] - covered): break
    chosen.append(best); covered |= cov[best]
print(t, "chosen", len(chosen), "cover", len(covered), "/", len(allcov))
for i in chosen:
    shutil.copy(files[i], f"corpus/{t}/")
