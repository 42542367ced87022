"""What `make test` runs: the notebooks are clean and the library is in sync, each notebook passes `nbdev-test`,
the docs build and every page opens in headless Chromium, and `colorize-nb-app` works there (`tools/check_app.py`),
also for four users at once (`tools/check_app_load.py`).
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
    "nbdev-clean and nbdev-export must change nothing, and README.md must match nbs/index.ipynb"
    before = snapshot()
    ok = run('nbdev-clean') == 0 and run('nbdev-export') == 0 and run(sys.executable, 'tools/build_docs.py', '--readme-only') == 0
    diff = changed(before, snapshot())
    if diff: print('FAILED sync: these files changed; run nbdev-clean, nbdev-export and tools/build_docs.py, then commit:\n  ' + '\n  '.join(diff))
    else: print('sync: notebooks clean, library and README match the notebooks')
    return ok and not diff

heavy_first = ('07c_train', '10_tutorial_cifar10', '06_inference', '11_video', '07a_pretrained_train', '05_gan', '09_widgets', '06a_cli')

def test_notebooks(workers:int=2):
    "Run `nbdev-test` on each notebook (flags off, CPU), `workers` at a time with one torch thread each, timing each"
    import os
    from concurrent.futures import ThreadPoolExecutor
    nbs = [nb for nb in sorted((root/'nbs').glob('*.ipynb')) if not nb.name.startswith(('_', '.'))]
    nbs.sort(key=lambda nb: heavy_first.index(nb.stem) if nb.stem in heavy_first else len(heavy_first))
    env = {**os.environ, 'OMP_NUM_THREADS': '1'}   # two notebooks on two cores, not four threads fighting over them
    shared = root.parent/'shared'/'data'              # the project's data archives, where the lessons' finders look first
    if shared.is_dir(): env.setdefault('COLORIZE_NB_DATA', str(shared))
    def one(nb):
        t0 = time.time()
        r = subprocess.run(['nbdev-test', str(nb.relative_to(root))], cwd=root, env=env, capture_output=True, text=True)
        ok = r.returncode == 0
        print(f"{'ok    ' if ok else 'FAILED'} {nb.name} ({time.time()-t0:.0f} s)", flush=True)
        if not ok: print(r.stdout[-3000:], r.stderr[-3000:], flush=True)
        return nb.name, ok
    print(f'$ nbdev-test, {len(nbs)} notebooks, {workers} at a time', flush=True)
    with ThreadPoolExecutor(workers) as ex: return dict(ex.map(one, nbs))

if __name__ == '__main__':
    t0 = time.time()
    sync_ok = check_sync()
    res = test_notebooks()
    docs_ok = run(sys.executable, 'tools/build_docs.py') == 0 and run(sys.executable, 'tools/check_docs.py') == 0
    wheel_ok = run(sys.executable, 'tools/check_wheel.py') == 0  # the wheel and sdist a user installs
    app_ok = run(sys.executable, 'tools/check_app.py') == 0  # colorize-nb-app driven in Chromium (after the docs build, which empties _docs/)
    app_ok = run(sys.executable, 'tools/check_app_load.py') == 0 and app_ok  # four users at once, hostile uploads, a fifth turned away
    passed, failed = sum(res.values()), len(res)-sum(res.values())
    print(f"\nsync: {'ok' if sync_ok else 'FAILED'}; docs: {'ok' if docs_ok else 'FAILED'}; wheel: {'ok' if wheel_ok else 'FAILED'}; app: {'ok' if app_ok else 'FAILED'}; {time.time()-t0:.0f} s in all")
    print(f"notebooks: {passed} passed, {failed} failed")
    sys.exit(0 if sync_ok and docs_ok and wheel_ok and app_ok and not failed else 1)
