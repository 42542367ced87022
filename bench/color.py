"""Speed of colorize_nb.color on a 12-megapixel image, against scikit-image in the same process.

    python bench/color.py [--reps 3]

Prints seconds per call and the ratio skimage/colorize_nb (above 1: ours is faster)."""
import argparse, time, warnings
import numpy as np, torch
from skimage import color as skcolor
from colorize_nb.color import rgb2lab, lab2rgb

def best(f, reps):
    f(); ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); f(); ts.append(time.perf_counter() - t0)
    return min(ts)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--reps', type=int, default=3); ap.add_argument('--h', type=int, default=3000)
    ap.add_argument('--w', type=int, default=4000)
    a = ap.parse_args()
    x = torch.rand(3, a.h, a.w); xn = x.permute(1,2,0).numpy().copy()
    lab = rgb2lab(x); labn = skcolor.rgb2lab(xn)
    warnings.simplefilter('ignore')
    res = {'rgb2lab': (best(lambda: rgb2lab(x), a.reps), best(lambda: skcolor.rgb2lab(xn), a.reps)),
           'lab2rgb': (best(lambda: lab2rgb(lab), a.reps), best(lambda: skcolor.lab2rgb(labn), a.reps))}
    mp = a.h*a.w/1e6
    for k,(ours,sk) in res.items():
        print(f'{k} {mp:.0f} MP: colorize_nb {ours:.3f} s ({mp/ours:.1f} MP/s), skimage {sk:.3f} s; skimage/ours {sk/ours:.2f}')
    print(f'threads {torch.get_num_threads()}; ' + '; '.join(f'{k} skimage/ours {sk/ours:.2f}' for k,(ours,sk) in res.items()))
