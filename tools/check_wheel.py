"""Check the package a user installs: build the sdist and the wheel with `python -m build` from the files git sees (as
a release from a clean clone would), check the wheel's metadata (no nbdev or Quarto requirement, a licence and its
file) and contents (the shipped weights and samples, no training data), install the wheel into a fresh venv outside
the source tree and run the installed `colorize-nb` on a sample image from that install.

The fresh venv gets the wheel with `pip install --no-deps`; the dependencies (torch alone is ~6 GB) come from the
project's venv through a `.pth` line, and the check verifies that they satisfy the wheel's `Requires-Dist`. Nothing is
downloaded. Temporary folders are removed at the end (`--keep` leaves them for a look). Exit status 1 on a problem."""
import email, os, shutil, subprocess, sys, sysconfig, tarfile, tempfile, time, zipfile
from pathlib import Path, PurePosixPath

root = Path(__file__).resolve().parent.parent
pkg = 'colorize_nb'
forbidden = ('nbdev', 'quarto', 'quarto-cli', 'execnb', 'playwright')  # docs/dev tools users must not need
data_exts = {'.tgz', '.tar', '.gz', '.bz2', '.xz', '.zip', '.7z', '.npz', '.npy', '.pth', '.pt', '.pkl', '.ckpt', '.h5',
             '.parquet', '.arrow', '.lmdb', '.mat'}           # archives, checkpoints and arrays: training data or runs
image_exts = {'.png', '.jpg', '.jpeg', '.webp', '.bmp', '.tif', '.tiff', '.gif'}

def sh(*cmd, **kw):
    "Run `cmd`, returning (exit status, stdout and stderr)"
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    return r.returncode, r.stdout + r.stderr

def git_files():
    "The files a clean clone would have, plus untracked ones git does not ignore (paths relative to the root)"
    out = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], cwd=root,
                         capture_output=True, check=True).stdout.decode()
    return sorted({f for f in out.split('\0') if f and (root/f).is_file()})

def build(tmp):
    "Copy what git sees to `tmp/src` and build the sdist, then the wheel from the sdist, into `tmp/dist`"
    src, dist = tmp/'src', tmp/'dist'
    files = git_files()
    for f in files:
        (src/f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root/f, src/f)
    # --no-isolation: the project's venv has the build backend (checked against `build-system.requires`), so
    # nothing is downloaded; a release build (isolated) gets the same backend from PyPI
    rc,out = sh(sys.executable, '-m', 'build', '--no-isolation', '--outdir', dist, src)
    if rc: raise SystemExit(f'FAILED python -m build (exit {rc}):\n{out[-4000:]}')
    whl, = dist.glob('*.whl'); sdist, = dist.glob('*.tar.gz')
    return files, whl, sdist

def base_reqs(meta):
    "The Requires-Dist lines a plain `pip install` honours (those without an `extra ==` marker)"
    from packaging.requirements import Requirement
    rs = [Requirement(r) for r in meta.get_all('Requires-Dist') or []]
    return [r for r in rs if not (r.marker and 'extra' in str(r.marker))]

def check_wheel(whl, files):
    "Problems with the wheel's metadata and contents"
    problems = []
    z = zipfile.ZipFile(whl)
    names = z.namelist()
    di = next((n.split('/')[0] for n in names if n.split('/')[0].endswith('.dist-info')), None)
    if not di: return ['no .dist-info folder in the wheel'], None
    meta = email.message_from_bytes(z.read(f'{di}/METADATA'))
    # requirements: what `pip install colorize_nb` pulls in
    reqs = base_reqs(meta)
    from packaging.utils import canonicalize_name
    bad = [str(r) for r in reqs if canonicalize_name(r.name) in forbidden or 'quarto' in r.name.lower()]
    if bad: problems.append(f'the wheel requires docs/dev tools: {", ".join(bad)}')
    # licence: an expression (or the older License field) and the licence file itself
    lic = meta.get('License-Expression') or meta.get('License')
    if not lic: problems.append('METADATA has neither License-Expression nor License')
    lfs = meta.get_all('License-File') or []
    if not lfs: problems.append('METADATA names no License-File')
    for lf in lfs:
        if not any(n in (f'{di}/licenses/{lf}', f'{di}/{lf}') for n in names): problems.append(f'License-File {lf} is not in the wheel')
    eps = z.read(f'{di}/entry_points.txt').decode() if f'{di}/entry_points.txt' in names else ''
    for script in ('colorize-nb', 'colorize-nb-demo', 'colorize-nb-app', 'colorize-nb-train'):
        if f'{script} =' not in eps: problems.append(f'no {script} console script in entry_points.txt')
    # contents: every weight and sample of the source, each .safetensors with its .json, nothing else but the package
    wnames = {n for n in names if not n.startswith(di + '/')}
    shipped = [f for f in files if f.startswith((f'{pkg}/weights/', f'{pkg}/samples/'))]
    problems += [f'{f} is not in the wheel' for f in shipped if f not in wnames]
    st = sorted(n for n in wnames if n.startswith(f'{pkg}/weights/') and n.endswith('.safetensors'))
    js = sorted(n for n in wnames if n.startswith(f'{pkg}/weights/') and n.endswith('.json'))
    if not st: problems.append(f'no {pkg}/weights/*.safetensors in the wheel')
    problems += [f'{n} has no .json configuration beside it' for n in st if n[:-len('.safetensors')] + '.json' not in js]
    samples = [n for n in wnames if n.startswith(f'{pkg}/samples/') and PurePosixPath(n).suffix.lower() in image_exts]
    if not samples: problems.append(f'no sample images in {pkg}/samples/ in the wheel')
    for n in sorted(wnames):
        p = PurePosixPath(n)
        if p.parts[0] != pkg: problems.append(f'{n}: outside the package (only {pkg}/ and {di}/ belong in the wheel)')
        elif p.suffix.lower() in data_exts or ''.join(p.suffixes[-2:]).lower() == '.tar.gz':
            problems.append(f'{n}: training data or a checkpoint in the wheel')
        elif p.suffix.lower() in image_exts and not n.startswith(f'{pkg}/samples/'):
            problems.append(f'{n}: an image outside {pkg}/samples/ (training data?)')
    info = dict(version=meta['Version'], license=lic, license_files=lfs, requires=[str(r) for r in reqs],
                weights=len(st), samples=len(samples), files=len(names), mb=whl.stat().st_size/2**20)
    return problems, info

def check_sdist(sdist):
    "Problems with the sdist: it must hold the licence, README and pyproject.toml, and no training data or build junk"
    problems = []
    with tarfile.open(sdist) as t: names = [PurePosixPath(n) for n in t.getnames()]
    rel = {PurePosixPath(*n.parts[1:]).as_posix() for n in names if len(n.parts) > 1}
    problems += [f'{f} is not in the sdist' for f in ('LICENSE', 'README.md', 'pyproject.toml', 'PKG-INFO') if f not in rel]
    for n in sorted(rel):
        top = n.split('/')[0]
        if top in ('.venv', '_docs', '_proc', '.data', 'demo_out', 'build', 'dist') or '/models/' in f'/{n}':
            problems.append(f'{n}: build output, docs or local data in the sdist')
        elif PurePosixPath(n).suffix.lower() in data_exts:
            problems.append(f'{n}: training data or a checkpoint in the sdist')
    return problems, len(rel)

# run inside the fresh venv: where the package comes from, and whether the dependencies satisfy Requires-Dist
probe = r'''
import json, sys, importlib.metadata as md
from packaging.requirements import Requirement
import colorize_nb
bad = []
for r in map(Requirement, sys.argv[1:]):
    try: v = md.version(r.name)
    except md.PackageNotFoundError: bad.append(f"{r}: not installed"); continue
    if r.specifier and not r.specifier.contains(v, prereleases=True): bad.append(f"{r}: found {v}")
print(json.dumps(dict(file=colorize_nb.__file__, version=colorize_nb.__version__, unmet=bad)))
'''

def install_and_run(whl, tmp, reqs):
    "Install the wheel into a fresh venv in `tmp`, then colorize a sample image of that install with its `colorize-nb`"
    import json
    from PIL import Image
    problems = []
    venv = tmp/'venv'
    rc,out = sh(sys.executable, '-m', 'venv', '--without-pip', venv)
    if rc: return [f'python -m venv failed: {out[-2000:]}']
    py = venv/'bin'/'python'
    rc,out = sh(sys.executable, '-m', 'pip', '--python', py, 'install', '-q', '--no-deps', '--no-index', whl)
    if rc: return [f'pip install of the wheel failed: {out[-2000:]}']
    site = Path(sh(py, '-c', 'import sysconfig; print(sysconfig.get_path("purelib"))')[1].strip())
    # the project's installed dependencies, after the venv's own site-packages (a path line: the project venv's
    # editable install of colorize_nb is a .pth hook there, which this does not run)
    (site/'zz_project_deps.pth').write_text(sysconfig.get_path('purelib') + '\n')
    env = {k:v for k,v in os.environ.items() if k not in ('PYTHONPATH', 'PYTHONHOME', 'VIRTUAL_ENV')}
    env.update(PYTHONNOUSERSITE='1', COLORIZE_NB_CACHE=str(tmp/'cache'), MPLCONFIGDIR=str(tmp/'mpl'),
               PATH=f'{venv/"bin"}:{env.get("PATH", "")}')
    work = tmp/'work'; work.mkdir()
    rc,out = sh(py, '-c', probe, *reqs, cwd=work, env=env)
    if rc: return [f'importing the installed package failed:\n{out[-3000:]}']
    info = json.loads(out.strip().splitlines()[-1])
    if not Path(info['file']).resolve().is_relative_to(site.resolve()):
        problems.append(f'colorize_nb was imported from {info["file"]}, not from the fresh install in {site}')
    problems += [f'dependency not satisfied: {o}' for o in info['unmet']]
    samples = sorted(p for p in (site/pkg/'samples').iterdir() if p.suffix.lower() in image_exts)
    src = samples[0]
    cli = venv/'bin'/'colorize-nb'
    if not cli.exists(): return problems + ['the wheel installed no colorize-nb command']
    t0 = time.time()
    rc,out = sh(cli, src, '-o', work/'out', cwd=work, env=env)
    secs = time.time() - t0
    if rc: return problems + [f'colorize-nb {src.name} -o out failed (exit {rc}):\n{out[-3000:]}']
    res = list((work/'out').glob('*'))
    if len(res) != 1: return problems + [f'colorize-nb wrote {len(res)} files, not 1: {[p.name for p in res]}']
    with Image.open(src) as a, Image.open(res[0]) as b:
        if a.size != b.size: problems.append(f'{res[0].name} is {b.size}, but {src.name} is {a.size}')
        if b.mode != 'RGB': problems.append(f'{res[0].name} has mode {b.mode}, not RGB')
        lo,hi = b.convert('HSV').getextrema()[1]
        if hi == 0: problems.append(f'{res[0].name} has no colour at all')
        print(f'colorize-nb {src.name} ({a.size[0]}x{a.size[1]}) -> {res[0].name} ({b.size[0]}x{b.size[1]}, {b.mode}, '
              f'saturation up to {hi}) in {secs:.0f} s; package from {Path(info["file"]).parent}', flush=True)
    rc,out = sh(venv/'bin'/'colorize-nb-train', '--help', cwd=work, env=env)   # the training command imports from that install
    if rc or '--resume' not in out: problems.append(f'colorize-nb-train --help failed (exit {rc}):\n{out[-2000:]}')
    return problems

def main(keep=False):
    t0 = time.time()
    tmp = Path(tempfile.mkdtemp(prefix='colorize_nb_wheel_'))
    try:
        files, whl, sdist = build(tmp)
        print(f'built {whl.name} ({whl.stat().st_size/2**20:.1f} MB) and {sdist.name} ({sdist.stat().st_size/2**20:.1f} MB) '
              f'from {len(files)} files in {time.time()-t0:.0f} s', flush=True)
        problems, info = check_wheel(whl, files)
        if info:
            print(f"wheel: version {info['version']}, licence {info['license']} ({', '.join(info['license_files']) or 'no file'}), "
                  f"{info['weights']} weights, {info['samples']} sample images, {info['files']} files; requires "
                  f"{', '.join(info['requires'])}", flush=True)
        sp, n = check_sdist(sdist)
        problems += [f'sdist: {o}' for o in sp]
        print(f'sdist: {n} files', flush=True)
        if info: problems += install_and_run(whl, tmp, info['requires'])
    finally:
        if keep: print(f'kept {tmp}')
        else: shutil.rmtree(tmp, ignore_errors=True)
    for o in problems: print('FAILED', o)
    print(f"wheel check: {len(problems)} problems in {time.time()-t0:.0f} s")
    return 1 if problems else 0

if __name__ == '__main__': sys.exit(main(keep='--keep' in sys.argv))
