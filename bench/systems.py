"""Colorizers compared on the held-out photos through `colorize` at full size, beside the trivial baselines, each set
(object photos, scene photos) on its own: the metrics issue 21 asks for (MAE, acc 2%, acc 5%, PSNR, CF, dCF).

    python bench/systems.py SPEC [SPEC ...] [--n 100] [--out FILE.json] [--data DIR]

A SPEC is a model (a shipped name or a .safetensors path), optionally `@T` for a classification model's annealed-mean
temperature, `*G` for a chroma gain (`colorize(saturation=G)`), or `A+B` for the mean of two specs' a and b (in Lab).
The held-out photos are lesson 07a's split (`photo_split`: a seeded 10% of photos256 and of scenes224), every k-th of
each set so that `--n` of each are scored (`--n 0`: all of them). Baselines: no colour, and the training photos' mean
tint. Prints one line per set and system and writes the table as JSON."""
import argparse, json, sys, time
from pathlib import Path
import numpy as np, torch
from PIL import Image
sys.path.insert(0, str(Path(__file__).parent))
from saturation import held_out
from colorize_nb.inference import colorize, load_model, mean_ab_files, tinted, evaluate_colorizer, L_of, lab_to_rgb8
from colorize_nb.color import rgb2lab, img2tensor

keys = ('mae', 'acc2', 'acc5', 'psnr', 'cf', 'dcf')

def one(spec:str):
    "A colorizer (gray PIL image -> colour PIL image) for one model spec"
    spec,_,g = spec.partition('*')
    name,_,T = spec.partition('@')
    def f(im):
        if T: load_model(name)[0].temperature = float(T)   # the card's temperature, changed for this call
        return colorize(im, model=name, saturation=float(g or 1))
    return f

def colorizer(spec:str):
    "A colorizer for `spec`: one model, or the mean of several in a and b (`A+B`)"
    fs = [one(s) for s in spec.split('+')]
    if len(fs) == 1: return fs[0]
    def f(im):
        ab = torch.stack([rgb2lab(img2tensor(g(im).convert('RGB')))[1:] for g in fs]).mean(0)
        return Image.fromarray(lab_to_rgb8(L_of(im), ab))
    return f

def main(specs, n=100, out=None, data=None):
    t0 = time.time()
    trn,sets = held_out(n or 10**9, data)
    tint = mean_ab_files(trn[::10])
    res = dict(photos={k: len(v) for k,v in sets.items()}, tint_ab=list(tint), results={}, seconds={})
    systems = [('no colour', tinted), ('constant tint', lambda im: tinted(im, tint))] + [(s, colorizer(s)) for s in specs]
    for nm,f in systems:
        t1 = time.time()
        for sname,fs in sets.items():
            m = evaluate_colorizer(fs, f)
            res['results'].setdefault(nm, {})[sname] = {k: round(m[k], 3) for k in keys}
            print(f"{sname:18s} {nm:40s}", ' '.join(f"{k} {m[k]:.2f}" for k in keys), flush=True)
        res['seconds'][nm] = round(time.time() - t1)
    res['seconds']['all'] = round(time.time() - t0)
    if out: Path(out).write_text(json.dumps(res, indent=1)); print(f'wrote {out}')
    return res

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('specs', nargs='+')
    ap.add_argument('--n', type=int, default=100, help='held-out photos of each set (0: all)')
    ap.add_argument('--out', default=None)
    ap.add_argument('--data', default=None, help='a folder holding the archives (default: $COLORIZE_NB_DATA, else a download)')
    a = ap.parse_args()
    main(a.specs, a.n, a.out, a.data)
