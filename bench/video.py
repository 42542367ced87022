"""Speed and memory of colorize_video() at 640x360: frames per second of each setting, beside two references run in
the same process on the same clip, and the peak memory of a short and a long film (it must not grow with length).

    python bench/video.py [--clip PATH] [--frames 120] [--model NAME] [--reps 2]

The clip is the lesson's (`sample_video()`: the path given, `$COLORIZE_NB_DATA`, or a download), resized to 640x360
and made old (grain and exposure flicker, lesson 11). References: decoding and encoding alone (the floor any
method pays) and `colorize` called on each decoded frame (what a user would write without `colorize_video`)."""
import argparse, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np

child = r'''
import sys
from colorize_nb.video import colorize_video
r = colorize_video(sys.argv[1], sys.argv[2], progress=False)
print(r['frames'], int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])/1024)
'''

def rate(f, n):
    t0 = time.perf_counter(); f(); return n/(time.perf_counter() - t0)

if __name__ == '__main__':
    from colorize_nb.inference import default_model
    ap = argparse.ArgumentParser()
    ap.add_argument('--clip'); ap.add_argument('--frames', type=int, default=120); ap.add_argument('--model', default=default_model); ap.add_argument('--reps', type=int, default=2)
    a = ap.parse_args()
    from colorize_nb.video import sample_video, read_frames, write_video, old_film, colorize_video, video_info
    from colorize_nb.inference import colorize
    tmp = Path(tempfile.mkdtemp())
    src = write_video(old_film(read_frames(sample_video(a.clip), (640, 360), limit=a.frames)), tmp/'old.mp4', fps=20, crf=12)
    n = video_info(src).frames
    colorize_video(src, tmp/'warm.mp4', model=a.model, progress=False)     # model loaded, kernels compiled
    floor = rate(lambda: write_video(read_frames(src), tmp/'copy.mp4', fps=20, crf=18), n)
    loop = rate(lambda: [colorize(f, model=a.model) for f in read_frames(src)], n)
    runs = [('steady=ema, every=2 (the CPU default)', dict(every=2)), ('steady=ema, every=1', dict(every=1)),
            ('steady=flow, every=2', dict(steady='flow', every=2)), ('steady=None, every=1 (per frame)', dict(steady=None, every=1))]
    res = {nm: 0. for nm,_ in runs}
    for rep in range(a.reps):                                  # alternated, best of `reps`: this machine's timings drift
        for i,(nm,kw) in enumerate(runs): res[nm] = max(res[nm], colorize_video(src, tmp/f'{i}.mp4', model=a.model, progress=False, force=True, **kw)['fps'])
    for nm,fps in res.items(): print(f"640x360 video, {nm}: {fps:.1f} frames/s ({fps/loop:.2f}x the colorize loop, {fps/floor:.2f}x the decode+encode floor)")
    print(f"references: decode+encode alone {floor:.1f} frames/s; colorize() on each frame {loop:.1f} frames/s")
    # memory: the same film, short and 3x longer, each colorized in a fresh process
    long = write_video((f for _ in range(3) for f in read_frames(src)), tmp/'long.mp4', fps=20, crf=12)
    mem = {}
    for nm,p in (('short', src), ('long', long)):
        out = subprocess.run([sys.executable, '-c', child, str(p), str(tmp/f'm_{nm}.mp4')], capture_output=True, text=True, check=True).stdout.split()
        mem[nm] = (int(out[0]), float(out[1]))
    (ns,ms),(nl,ml) = mem['short'],mem['long']
    print(f"peak memory: {ms:.0f} MB for {ns} frames, {ml:.0f} MB for {nl} frames ({ml/ms:.2f}x)")
    d,e1 = res[runs[0][0]],res[runs[1][0]]
    print(f"summary: 640x360 {d:.1f} frames/s by default (every=1: {e1:.1f}); floor {floor:.1f}; loop {loop:.1f}; memory {ms:.0f}/{ml:.0f} MB")
