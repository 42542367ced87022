"""Speed and memory of colorize(): a 12-megapixel photo after warm-up (network vs full-resolution colour
conversion; the network on ONNX Runtime and on PyTorch), import + first image in a fresh process, peak memory, and folder throughput at 512x512.

    python bench/inference.py [--model NAME] [--reps 3]   (default: the default model)

Ratios are against references run in the same process: the network alone; for the colour step, a plain copy of
the same bytes (the floor: reading the full-size L, 48 MB at 12 MP, and writing 36 MB of RGB) and scikit-image's
`lab2rgb` (the library a user would reach for), both on the same 12 MP image; for the batch figure, the network alone
in two processes of one thread against one process of all threads (what one image a thread can gain on this CPU)."""
import argparse, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np, torch
from PIL import Image

def best(f, reps):
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); f(); ts.append(time.perf_counter() - t0)
    return min(ts)

# peak memory from VmHWM: getrusage's ru_maxrss survives fork and exec, so a child would report its parent's peak
child = r'''
import sys, time
t0 = time.perf_counter()
from colorize_nb import colorize
t1 = time.perf_counter()
out = colorize(sys.argv[1], model=sys.argv[2])
t2 = time.perf_counter()
print(t1 - t0, t2 - t0, int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])/1024)
'''

# the network's images per second with N threads, after warm-up
net_child = r'''
import sys, time, torch
from colorize_nb.inference import load_model, _predict_ab
torch.set_num_threads(int(sys.argv[2]))
gen,meta = load_model(sys.argv[1])
x = torch.zeros(1, 1, 256, 256)
for _ in range(2): _predict_ab(gen, meta, x)
t0 = time.perf_counter()
for _ in range(int(sys.argv[3])): _predict_ab(gen, meta, x)
print(int(sys.argv[3])/(time.perf_counter() - t0))
'''

if __name__ == '__main__':
    from colorize_nb.inference import default_model
    ap = argparse.ArgumentParser(); ap.add_argument('--model', default=default_model); ap.add_argument('--reps', type=int, default=3)
    a = ap.parse_args()
    from colorize_nb.color import sample_paths
    from colorize_nb import colorize   # what users call: without PyTorch where it can (lesson 06c)
    from colorize_nb.inference import colorize_batch, load_model, L_of, lab_to_rgb8, _net_input, _predict_ab, _finish, to_image, _work_hw
    from colorize_nb.color import denorm_ab
    tmp = Path(tempfile.mkdtemp())
    photo = tmp/'12mp.jpg'
    # an old photo scanned at 12 MP: upscaled, with film grain so that the JPEG is as costly to decode as a real one
    big = np.asarray(Image.open(sample_paths()[0]).convert('L').resize((4000, 3000), Image.BICUBIC), dtype=np.float32)
    big += np.random.default_rng(0).normal(0, 8, big.shape).astype(np.float32)
    Image.fromarray(big.clip(0, 255).astype(np.uint8)).save(photo, quality=92)
    gen,meta = load_model(a.model)
    im = to_image(photo)
    colorize(im, model=a.model)   # warm-up
    total = best(lambda: colorize(im, model=a.model), a.reps)
    L = L_of(im); xs = _net_input(L, _work_hw(L.shape, None, gen, meta), meta['mode'])[None]
    t_L = best(lambda: L_of(im), a.reps)
    t_net = best(lambda: _predict_ab(gen, meta, xs), a.reps)
    from colorize_nb import engine
    t_eng = {}
    for _ in range(a.reps):   # the network on each engine, alternated (the default is ONNX Runtime where the model's graph ships)
        for e in ('onnx', 'torch'):
            engine.runtime = e; t_eng[e] = min(t_eng.get(e, float('inf')), best(lambda: _predict_ab(gen, meta, xs), 1))
    engine.runtime = 'onnx'
    ab = _predict_ab(gen, meta, xs)[0]
    t_fin = best(lambda: _finish(L, ab), a.reps)
    ab_lab = denorm_ab(ab)
    buf = np.empty((3000, 4000, 3), np.uint8)
    t_new = best(lambda: lab_to_rgb8(L, ab_lab), max(a.reps, 5))            # into a fresh array (its pages are faulted in)
    t_open = best(lambda: to_image(photo), a.reps)
    from skimage import color as skcolor
    lab = np.zeros((3000, 4000, 3)); lab[..., 0] = L.numpy()
    t_sk = best(lambda: skcolor.lab2rgb(lab), 1)
    Lsrc, Ldst, rgb_src, rgb_dst = L.numpy(), np.empty_like(L.numpy()), np.asarray(im.convert('RGB')), np.empty((3000, 4000, 3), np.uint8)
    t_col, t_copy = float('inf'), float('inf')
    for _ in range(max(a.reps, 5)):   # the colour step and its floor alternated, so that a slow spell of the machine hits both
        t_col = min(t_col, best(lambda: lab_to_rgb8(L, ab_lab, out=buf), 1))                    # into colorize's reused array
        t_copy = min(t_copy, best(lambda: (np.copyto(Ldst, Lsrc), np.copyto(rgb_dst, rgb_src)), 1))   # reads 84 MB, writes 84 MB
    print(f'12 MP colorize (decoded image in memory): {total:.2f} s = L {t_L:.2f} + network {t_net:.2f} + upsample/Lab->RGB {t_fin:.2f} (+ other); '
          f'decoding the JPEG adds {t_open:.2f} s')
    print(f'  colorize/network {total/t_net:.1f}; colour step (upsample + Lab->RGB into an array) {t_col*1e3:.0f} ms = {t_col/t_copy:.1f}x a plain copy of '
          f'the same bytes ({t_copy*1e3:.1f} ms), {t_sk/t_col:.0f}x faster than scikit-image lab2rgb alone ({t_sk:.2f} s); '
          f'into a fresh array {t_new*1e3:.0f} ms; with the PIL image (its copy) {t_fin*1e3:.0f} ms')
    print(f'  network engines at the working size {tuple(xs.shape[-2:])}: ONNX Runtime {t_eng["onnx"]*1e3:.0f} ms, PyTorch {t_eng["torch"]*1e3:.0f} ms'
          f'{"" if getattr(gen, "ort", None) else " (no ONNX graph for this model: both are PyTorch)"}')
    r = subprocess.run([sys.executable, '-c', child, str(photo), a.model], capture_output=True, text=True, check=True).stdout.split()
    imp,first,rss = map(float, r)
    t_torch = float(subprocess.run([sys.executable, '-c', 'import time; t = time.perf_counter(); import torch; print(time.perf_counter() - t)'],
                                   capture_output=True, text=True, check=True).stdout)   # the reference: what PyTorch's import alone costs here
    print(f'fresh process: import {imp:.2f} s, import + first 12 MP image (from JPEG) {first:.2f} s, peak RSS {rss:.0f} MB; '
          f'import torch alone {t_torch:.2f} s')
    # the reference for the batch figure: the network alone at the 512 px folder's working size, two processes of one
    # thread each against one process of two threads; a thread-per-image colorize_batch cannot gain more than this on a CPU
    procs = [subprocess.Popen([sys.executable, '-c', net_child, a.model, '1', '12'], stdout=subprocess.PIPE, text=True) for _ in range(2)]
    two = sum(float(p.communicate()[0]) for p in procs)
    one = float(subprocess.run([sys.executable, '-c', net_child, a.model, str(torch.get_num_threads()), '12'], capture_output=True, text=True, check=True).stdout)
    print(f'network at 256x256 (the 512x512 folder): one process of {torch.get_num_threads()} threads {one:.1f} img/s, two processes of one thread '
          f'{two:.1f} img/s together ({two/one:.2f}x: the most that one image a thread can gain over one by one here)')
    small = tmp/'small'; small.mkdir()
    for i in range(16): Image.open(sample_paths()[i % 4]).convert('L').resize((512, 512)).save(small/f'{i}.png')
    files = sorted(small.glob('*.png'))
    colorize_batch(files[:2], model=a.model, bs=8)   # warm-up of the threads' path
    t_fold, t_batch = float('inf'), float('inf')
    for _ in range(a.reps):   # alternated, so that a slow spell of the machine hits both
        t_fold = min(t_fold, best(lambda: [colorize(f, model=a.model) for f in files], 1))
        t_batch = min(t_batch, best(lambda: colorize_batch(files, model=a.model, bs=8), 1))
    print(f'512x512 folder: {len(files)/t_fold:.1f} img/s one by one, {len(files)/t_batch:.1f} img/s with colorize_batch(bs=8)')
    print(f'summary: 12MP {total:.2f} s (network {t_net:.2f}, conversion {total - t_net:.2f}); first image {first:.2f} s; peak {rss:.0f} MB; 512px {len(files)/t_fold:.1f} img/s')
