"""Run every lesson as a learner's Colab would: from the installed wheel, outside the repository, every cell.

`nbdev-test` runs the notebooks in place, where `../shared/data`, `nbs/runs/` and the checkout's `colorize_nb` are at
hand, and it skips the cells flagged `#| slow`, `#| cuda` or `#| eval: false`. Colab has none of that: it ignores the
nbdev flags and runs each cell, the package comes from `pip install colorize_nb`, and the data has to be downloaded.
So this builds the wheel as `tools/check_wheel.py` does, installs it into a fresh venv (its dependencies come from the
project's venv through a `.pth` line, as there), copies the lessons (with `nbs/images/`, without `nbs/runs/`) to a
temporary folder with no `../shared` beside it and no pyproject.toml above it, and executes each with `nbclient` on a
kernel of that venv's python (checked in every lesson). The data goes through the lessons' download branch: the
project's data folder (`../shared/data`, else `$COLORIZE_NB_DATA`) is served read-only on a loopback HTTP server whose
address the lessons get as `$COLORIZE_NB_DATA_URL`, and `COLORIZE_NB_DATA` is removed. Caches, fastai's downloads
(`FASTAI_HOME`), torch's and matplotlib's folders are in the temporary folder, so each run starts cold.

    .venv/bin/python tools/run_lessons.py [NB ...] [--workers 2] [--keep] [--selfcheck]

NB (stems or file names) restricts the lessons; `--keep` leaves the temporary folder (executed copies in `executed/`);
`--selfcheck` runs only a one-cell notebook that checks the kernel's interpreter, the package's origin and the server.
Ends with `lessons out of tree: N passed, M failed (...)`; exit status 1 on a failure."""
import argparse, functools, http.server, json, os, re, shutil, subprocess, sys, sysconfig, tempfile, threading, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from check_wheel import build, sh, root

heavy_first = ('05b_train', '10_tutorial_cifar10', '06_inference', '11_video', '07a_pretrained_train', '05_gan', '09_widgets', '06a_cli')

def make_venv(whl, tmp):
    "A fresh venv in `tmp/venv` with the wheel installed and the project venv's packages after its own: (python, site)"
    venv = tmp/'venv'
    rc,out = sh(sys.executable, '-m', 'venv', '--without-pip', venv)
    if rc: raise SystemExit(f'python -m venv failed: {out[-2000:]}')
    py = venv/'bin'/'python'
    rc,out = sh(sys.executable, '-m', 'pip', '--python', py, 'install', '-q', '--no-deps', '--no-index', whl)
    if rc: raise SystemExit(f'pip install of the wheel failed: {out[-2000:]}')
    site = Path(sh(py, '-c', 'import sysconfig; print(sysconfig.get_path("purelib"))')[1].strip())
    (site/'zz_project_deps.pth').write_text(sysconfig.get_path('purelib') + '\n')   # torch, fastai, nbclient, ipykernel...
    return py, site

def lesson_env(tmp, py, url):
    "A learner's environment: the fresh venv first on PATH, caches in `tmp`, the data only through `url`"
    drop = ('PYTHONPATH', 'PYTHONHOME', 'VIRTUAL_ENV', 'JUPYTER_PATH', 'COLORIZE_NB_DATA', 'COLORIZE_NB_DATA_URL')
    env = {k:v for k,v in os.environ.items() if k not in drop}
    env.update(IN_TEST='1', OMP_NUM_THREADS='1', PYTHONNOUSERSITE='1', PATH=f'{py.parent}:{env.get("PATH", "")}',
               COLORIZE_NB_CACHE=str(tmp/'cache'), FASTAI_HOME=str(tmp/'fastai'), TORCH_HOME=str(tmp/'torch'),
               MPLCONFIGDIR=str(tmp/'mpl'), XDG_CACHE_HOME=str(tmp/'xdg_cache'), IPYTHONDIR=str(tmp/'ipython'))
    if url: env['COLORIZE_NB_DATA_URL'] = url
    return env

def check_install(py, site, env, cwd):
    "`import colorize_nb` in the fresh venv must find the wheel's copy, not the checkout"
    rc,out = sh(py, '-c', 'import colorize_nb; print(colorize_nb.__file__)', cwd=cwd, env=env)
    if rc: raise SystemExit(f'importing colorize_nb in the fresh venv failed:\n{out[-3000:]}')
    f = Path(out.strip().splitlines()[-1])
    if not f.resolve().is_relative_to(site.resolve()): raise SystemExit(f'colorize_nb was imported from {f}, not from {site}')

class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args): pass

class DataServer(http.server.ThreadingHTTPServer):
    "GET/HEAD only (read-only), quiet, on a free loopback port; a client that hangs up mid-file is not an error"
    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError): super().handle_error(request, client_address)

def serve(folder):
    "Serve `folder` in a background thread: (server, its URL)"
    srv = DataServer(('127.0.0.1', 0), functools.partial(QuietHandler, directory=str(folder)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f'http://127.0.0.1:{srv.server_address[1]}'

def data_folder():
    "The project's data: `../shared/data`, else `$COLORIZE_NB_DATA`; None when neither is a folder"
    for d in (root.parent/'shared'/'data', os.environ.get('COLORIZE_NB_DATA')):
        if d and Path(d).is_dir(): return Path(d)

# run by the fresh venv's python, so ipykernel's native `python3` kernel is that interpreter; a first cell (removed from
# the executed copy) reports the kernel's sys.executable and sys.prefix, which the runner checks
executor = r'''
import json, sys
from pathlib import Path
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
src, out, res = map(Path, sys.argv[1:4])
nb = nbformat.read(src, as_version=4)
nb.cells.insert(0, nbformat.v4.new_code_cell("print(__import__('json').dumps([__import__('sys').executable, __import__('sys').prefix]))"))
at = [-1]
def start(cell, cell_index): at[0] = cell_index
# Colab ignores tags and flags: run every cell, and stop at the first error whatever the cell says
c = NotebookClient(nb, timeout=900, kernel_name='python3', resources={'metadata': {'path': str(src.parent)}},
                   skip_cells_with_tag='', force_raise_errors=True, on_cell_start=start)
r = dict(ok=True)
try: c.execute()
except CellExecutionError as e: r = dict(ok=False, ename=e.ename, evalue=e.evalue, traceback=e.traceback)
except BaseException as e: r = dict(ok=False, ename=type(e).__name__, evalue=str(e), traceback='')
probe = nb.cells.pop(0)
r['kernel'] = next((json.loads(o['text']) for o in probe.get('outputs', []) if o.get('name') == 'stdout'), None)
r['cell'] = i = at[0] - 1
if not r['ok'] and i >= 0:
    cell = nb.cells[i]
    r['source'] = next((l for l in cell.source.splitlines() if l.strip() and not l.startswith('#|')), '')
    r['traceback'] = next(('\n'.join(o['traceback']) for o in cell.get('outputs', []) if o.get('output_type') == 'error'), r['traceback'])
nbformat.write(nb, out)
res.write_text(json.dumps(r))
'''
ansi = re.compile(r'\x1b\[[0-9;?]*[A-Za-z]')

def run_lesson(nb, py, env, outdir):
    "Execute lesson `nb` in a fresh kernel of `py`: (ok, report)"
    t0 = time.time()
    res = outdir/f'{nb.stem}.json'
    rc,out = sh(py, '-c', executor, nb, outdir/nb.name, res, cwd=nb.parent, env=env)
    secs = time.time() - t0
    if not res.exists(): return False, f'FAILED {nb.name} ({secs:.0f} s)\n  the executor stopped (exit {rc}):\n{ansi.sub("", out)[-2500:]}'
    r = json.loads(res.read_text())
    k = r.get('kernel')
    if r['ok'] and not (k and Path(k[0]) == py and Path(k[1]).resolve() == py.parent.parent.resolve()):
        r.update(ok=False, cell=-1, ename='WrongKernel', traceback='',
                 evalue=f'the kernel ran {k[0] if k else "?"} (prefix {k[1] if k else "?"}), not the fresh venv\'s {py}')
    if r['ok']: return True, f'ok     {nb.name} ({secs:.0f} s)'
    where = f"cell {r['cell']}: {r.get('source', '')}" if r['cell'] >= 0 else "the runner's first cell (kernel start, sys.executable)"
    tb = ansi.sub('', r['traceback'] or '')[-2500:]
    return False, f"FAILED {nb.name} ({secs:.0f} s)\n  {where}\n  {r['ename']}: {r['evalue']}\n" + '\n'.join('    '+l for l in tb.splitlines())

selfcheck_src = '''\
import os, sys, urllib.request, colorize_nb
from pathlib import Path
from fastai.data.external import fastai_cfg
url = os.environ.get('COLORIZE_NB_DATA_URL')
status = urllib.request.urlopen(url + '/README.md').status if url else None
print(sys.executable, colorize_nb.__file__, fastai_cfg().config_path, status, sep='\\n')
assert sys.executable == {py!r}, sys.executable
assert Path(colorize_nb.__file__).resolve().is_relative_to(Path({site!r}).resolve()), colorize_nb.__file__
assert Path(fastai_cfg().config_path) == Path(os.environ['FASTAI_HOME']), fastai_cfg().config_path
assert 'COLORIZE_NB_DATA' not in os.environ
assert url is None or status == 200, status
'''

def pick(names, nbs):
    "The lessons `names` (stems or file names) asks for, all when it is empty"
    stems = {n.removesuffix('.ipynb') for n in names}
    unknown = stems - {nb.stem for nb in nbs}
    if unknown: raise SystemExit(f'no such lesson: {", ".join(sorted(unknown))} (lessons: {", ".join(nb.stem for nb in nbs)})')
    return [nb for nb in nbs if not stems or nb.stem in stems]

def main(names=(), workers=2, keep=False, selfcheck=False):
    import nbformat
    t0 = time.time()
    srcs = sorted(nb for nb in (root/'nbs').glob('*.ipynb') if not nb.name.startswith(('_', '.')))
    try: chosen = pick(names, srcs)
    except SystemExit as e: print(e); return 2
    tmp = Path(tempfile.mkdtemp(prefix='colorize_nb_lessons_'))
    srv, url, whl = None, None, None
    try:
        try:
            _, whl, _ = build(tmp)
            py, site = make_venv(whl, tmp)
            lessons = tmp/'lessons'/'nbs'; lessons.mkdir(parents=True)
            outdir = tmp/'executed'; outdir.mkdir()
            data = data_folder()
            if data: srv, url = serve(data)
            env = lesson_env(tmp, py, url)
            check_install(py, site, env, lessons)
        except SystemExit as e:
            print(e)
            print(f"lessons out of tree: not run ({str(e).splitlines()[0].rstrip(':')})")
            return 1
        print(f'built and installed {whl.name} in {time.time()-t0:.0f} s; ' +
              (f'serving {data} at {url}' if url else 'no data folder (../shared/data or $COLORIZE_NB_DATA): no data server'), flush=True)
        if selfcheck:
            nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(selfcheck_src.format(py=str(py), site=str(site)))])
            nbformat.write(nb, lessons/'_selfcheck.ipynb')
            todo = [lessons/'_selfcheck.ipynb']
        else:
            for nb in srcs: shutil.copy2(nb, lessons/nb.name)
            if (root/'nbs'/'images').is_dir(): shutil.copytree(root/'nbs'/'images', lessons/'images')
            todo = [lessons/nb.name for nb in chosen]
            todo.sort(key=lambda nb: (heavy_first.index(nb.stem) if nb.stem in heavy_first else len(heavy_first), nb.name))
        print(f'running {len(todo)} lessons, {workers} at a time, in {lessons}', flush=True)
        def one(nb):
            try: ok, report = run_lesson(nb, py, env, outdir)
            except Exception as e: ok, report = False, f'FAILED {nb.name}\n  the runner: {type(e).__name__}: {e}'
            print(report, flush=True)
            return ok
        with ThreadPoolExecutor(workers) as ex: oks = list(ex.map(one, todo))
        if selfcheck and (outdir/'_selfcheck.ipynb').exists():   # what the kernel saw
            print('  ' + ''.join(o.get('text', '') for o in nbformat.read(outdir/'_selfcheck.ipynb', 4).cells[0].outputs
                                     if o.get('name') == 'stdout').strip().replace('\n', '\n  '))
    finally:
        if srv: srv.shutdown(); srv.server_close()
        if keep: print(f'kept {tmp}')
        else: shutil.rmtree(tmp, ignore_errors=True)
    passed = sum(oks)
    print(f'lessons out of tree: {passed} passed, {len(oks)-passed} failed ({time.time()-t0:.0f} s; wheel {whl.name}, '
          + (f'data from {url})' if url else 'no data server)'))
    return 0 if passed == len(oks) else 1

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('names', nargs='*', metavar='NB', help='lessons to run (stems or file names); default all')
    p.add_argument('--workers', type=int, default=2, help='lessons at a time')
    p.add_argument('--keep', action='store_true', help='keep the temporary folder (executed copies in executed/)')
    p.add_argument('--selfcheck', action='store_true', help='only check the kernel, the installed package and the data server')
    a = p.parse_args()
    sys.exit(main(a.names, a.workers, a.keep, a.selfcheck))
