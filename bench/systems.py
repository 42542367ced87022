"""Colorizers compared on the held-out photos through `colorize` at full size, beside the trivial baselines, each set
(object photos, scene photos) on its own: the metrics issue 21 asks for (MAE, acc 2%, acc 5%, PSNR, CF, dCF).

    python bench/systems.py SPEC [SPEC ...] [--n 100] [--out FILE.json] [--data DIR]

A SPEC is a model (a shipped name or a .safetensors path), optionally `@T` for a classification model's annealed-mean
temperature, `*G` for a chroma gain (`colorize(saturation=G)`), `~flip` for test-time flips (the mean a and b of the photo and
of its mirror image, mirrored back), or `A+B` for the mean of two specs' a and b (in Lab).
The held-out photos are lesson 07a's split (`photo_split`: a seeded 10% of photos256 and of scenes224), every k-th of
each set so that `--n` of each are scored (`--n 0`: all of them). Baselines: no colour, and the training photos' mean
tint. Prints one line per set and system and writes the table as JSON."""
import argparse, json, time
from pathlib import Path
import numpy as np, torch
from PIL import Image, ImageOps
from colorize_nb.inference import colorize, load_model, mean_ab_files, tinted, evaluate_colorizer, L_of, lab_to_rgb8
from colorize_nb.color import rgb2lab, img2tensor
from colorize_nb.metrics import colorfulness
from colorize_nb.data import find_data
from colorize_nb.pretrained_train import photo_split

def held_out(n:int, data=None)->tuple:
    "(training files, {set name: n held-out files}) of lesson 07a's split"
    trn,val = photo_split([find_data(a, path=data) for a in ('photos256.tar', 'scenes224.tar')])
    sets = {}
    for f in val: sets.setdefault(f.parent.name, []).append(f)
    return trn, {k: fs[::max(1, len(fs)//n)][:n] for k,fs in sets.items()}

keys = ('mae', 'acc2', 'acc5', 'psnr', 'cf', 'dcf', 'dcf_set')

def one(spec:str):
    "A colorizer (gray PIL image -> colour PIL image) for one model spec"
    spec,_,g = spec.partition('*')
    spec,_,flip = spec.partition('~')
    name,_,T = spec.partition('@')
    def f(im):
        gen,meta = load_model(name)
        if hasattr(gen, 'temperature'): gen.temperature = float(T) if T else meta['temperature']   # `@T`, else the card's
        out = colorize(im, model=name, saturation=float(g or 1))
        if flip != 'flip': return out
        back = ImageOps.mirror(colorize(ImageOps.mirror(im), model=name, saturation=float(g or 1)))
        ab = torch.stack([rgb2lab(img2tensor(o.convert('RGB')))[1:] for o in (out, back)]).mean(0)
        return Image.fromarray(lab_to_rgb8(L_of(im), ab))
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
    for sname,fs in sets.items():   # the truth's colourfulness, and the per-photo dCF of an output that had the set's median CF on every photo
        cf = np.array([colorfulness(img2tensor(Image.open(f).convert('RGB'))[None]*255).item() for f in fs])
        res.setdefault('cf_truth', {})[sname] = dict(mean=round(cf.mean(), 3), median=round(float(np.median(cf)), 3), sd=round(cf.std(), 3),
                                                    dcf_at_median=round(np.abs(cf - np.median(cf)).mean(), 3))
        print(f"{sname:18s} truth's CF: mean {cf.mean():.2f}, sd {cf.std():.2f}; dcf of the median CF on every photo {res['cf_truth'][sname]['dcf_at_median']:.2f}")
    systems = [('no colour', tinted), ('constant tint', lambda im: tinted(im, tint))] + [(s, colorizer(s)) for s in specs]
    for nm,f in systems:
        t1 = time.time()
        for sname,fs in sets.items():
            m = evaluate_colorizer(fs, f)
            # the set's colourfulness gap: the photos' mean CF (the no-colour row's dcf, its CF being 0) against the output's
            m['dcf_set'] = abs((res['results']['no colour'][sname]['dcf'] if nm != 'no colour' else m['dcf']) - m['cf'])
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
