"""What `make test` runs: the notebooks are clean and the library, README and set-up cells are in sync; every lesson
runs as a learner's Colab runs it (`tools/run_lessons.py`: the wheel in a fresh venv, the notebooks in a folder with
nothing of the repository beside them, the data from a loopback server, every cell executed whatever its flags); the
docs build and every page opens in headless Chromium, and `colorize-nb-app` works there (`tools/check_app.py`), also
for four users at once (`tools/check_app_load.py`).
Ends with `notebooks: N passed, N failed`."""
import hashlib, subprocess, sys, time
from pathlib import Path

root = Path(__file__).resolve().parent.parent

def snapshot():
    "sha256 of every file nbdev-clean, nbdev-export or the README build may touch"
    fs = [*sorted((root/'nbs').glob('*.ipynb')), *sorted((root/'colorize_nb').rglob('*.py')), root/'README.md']
    return {str(f.relative_to(root)): hashlib.sha256(f.read_bytes()).hexdigest() for f in fs if f.exists()}

def changed(before, after): return sorted(k for k in before.keys()|after.keys() if before.get(k)!=after.get(k))

def run(*cmd, **kw):
    print('$', ' '.join(cmd), flush=True)
    return subprocess.run(cmd, cwd=root, **kw).returncode

def check_sync():
    "nbdev-clean and nbdev-export must change nothing, and README.md must match nbs/index.ipynb; (in sync, docs built)"
    before = snapshot()
    ok = run('nbdev-clean') == 0 and run('nbdev-export') == 0
    built = ok and run(sys.executable, 'tools/build_docs.py') == 0   # the docs and README.md, from one processing of the notebooks
    ok = run(sys.executable, 'tools/setup_cells.py', '--check') == 0 and ok   # badges and set-up cells match pyproject.toml
    diff = changed(before, snapshot())
    if diff: print('FAILED sync: these files changed; run nbdev-clean, nbdev-export and tools/build_docs.py, then commit:\n  ' + '\n  '.join(diff))
    else: print('sync: notebooks clean, library and README match the notebooks')
    return ok and built and not diff, built

def test_lessons():
    "Every lesson out of the tree, as Colab runs it (`tools/run_lessons.py`); returns {lesson: passed}"
    import re
    print('$ python tools/run_lessons.py', flush=True)
    p = subprocess.Popen([sys.executable, 'tools/run_lessons.py'], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    res = {}
    for line in p.stdout:
        print(line, end='', flush=True)
        if m := re.match(r'(ok    |FAILED) (\S+\.ipynb) \(', line): res[m[2]] = m[1] == 'ok    '
    if p.wait() and all(res.values()): res['tools/run_lessons.py'] = False   # it stopped before or after the lessons
    return res

if __name__ == '__main__':
    t0 = time.time()
    sync_ok,built = check_sync()
    res = test_lessons()
    docs_ok = built and run(sys.executable, 'tools/check_docs.py') == 0
    wheel_ok = run(sys.executable, 'tools/check_wheel.py') == 0  # the wheel and sdist a user installs
    app_ok = run(sys.executable, 'tools/check_app.py') == 0  # colorize-nb-app driven in Chromium (after the docs build, which empties _docs/)
    app_ok = run(sys.executable, 'tools/check_app_load.py') == 0 and app_ok  # four users at once, hostile uploads, a fifth turned away
    passed, failed = sum(res.values()), len(res)-sum(res.values())
    print(f"\nsync: {'ok' if sync_ok else 'FAILED'}; docs: {'ok' if docs_ok else 'FAILED'}; wheel: {'ok' if wheel_ok else 'FAILED'}; app: {'ok' if app_ok else 'FAILED'}; {time.time()-t0:.0f} s in all")
    print(f"notebooks: {passed} passed, {failed} failed")
    sys.exit(0 if sync_ok and docs_ok and wheel_ok and app_ok and not failed else 1)
