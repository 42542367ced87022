"""What a chroma gain (`colorize(..., saturation=g)`) does to the metrics on held-out photos, beside the trivial baselines.

    python bench/saturation.py [--model photos-lite0] [--n 100] [--gains 0.8 1 1.2 1.4 1.6 2] [--out colorize_nb/runs/saturation-photos-lite0.json]

The held-out photos are lesson 07a's split (`photo_split`: a seeded 10% of photos256 and of scenes224), every k-th of
each set so that `--n` photos of each are scored, each at its full size through `colorize`. The baselines: no colour,
and the training photos' mean tint (`mean_ab_files` of every 10th training photo). Data: `find_data` (an argument,
`$COLORIZE_NB_DATA`, or a download). Prints one line per set and gain and writes the table as JSON."""
import argparse, json, time
from pathlib import Path
from colorize_nb.data import find_data
from colorize_nb.inference import colorize, mean_ab_files, tinted, evaluate_colorizer
from colorize_nb.pretrained_train import photo_split

def held_out(n:int, data=None)->tuple:
    "(training files, {set name: n held-out files}) of lesson 07a's split"
    trn,val = photo_split([find_data(a, path=data) for a in ('photos256.tar', 'scenes224.tar')])
    sets = {}
    for f in val: sets.setdefault(f.parent.name, []).append(f)
    return trn, {k: fs[::max(1, len(fs)//n)][:n] for k,fs in sets.items()}

def main(model='photos-lite0', n=100, gains=(0.8, 1., 1.2, 1.4, 1.6, 2.), out=None, data=None):
    t0 = time.time()
    trn,sets = held_out(n, data)
    ab = mean_ab_files(trn[::10])
    keys = ('mae', 'acc2', 'acc5', 'psnr', 'cf', 'dcf')
    res = dict(model=model, photos={k: len(v) for k,v in sets.items()}, tint_ab=list(ab), gains={}, baselines={})
    for name,fs in sets.items():
        for bn,f in (('no colour', tinted), ('constant tint', lambda im: tinted(im, ab))):
            res['baselines'].setdefault(name, {})[bn] = {k: round(v, 3) for k,v in evaluate_colorizer(fs, f).items() if k in keys}
            print(f"{name:18s} {bn:14s}", ' '.join(f"{k} {res['baselines'][name][bn][k]:.2f}" for k in keys), flush=True)
        for g in gains:
            m = evaluate_colorizer(fs, lambda im: colorize(im, model=model, saturation=g))
            res['gains'].setdefault(name, {})[str(g)] = {k: round(v, 3) for k,v in m.items() if k in keys}
            print(f"{name:18s} gain {g:<9g}", ' '.join(f"{k} {m[k]:.2f}" for k in keys), flush=True)
    res['seconds'] = round(time.time() - t0)
    if out: Path(out).write_text(json.dumps(res, indent=1)); print(f'wrote {out}')
    return res

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--model', default='photos-lite0')
    ap.add_argument('--n', type=int, default=100, help='held-out photos of each set')
    ap.add_argument('--gains', type=float, nargs='+', default=[0.8, 1., 1.2, 1.4, 1.6, 2.])
    ap.add_argument('--out', default=None)
    ap.add_argument('--data', default=None, help='a folder holding the archives (default: $COLORIZE_NB_DATA, else a download)')
    a = ap.parse_args()
    main(a.model, a.n, a.gains, a.out, a.data)
