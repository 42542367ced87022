"""Throughput of colorize_nb's DataLoaders (decode, crop, flip, collate, Lab conversion) against a bare PyTorch
DataLoader doing the same work, in the same process.

    python bench/loader.py [--batches 30] [--workers 2]

Needs ../shared/data (cifar10_train.tgz and photos256.tar). Prints images/s of both and their ratio."""
import argparse, random, time
from pathlib import Path
import numpy as np, torch
from PIL import Image
from torch.utils.data import Dataset, DataLoader
from colorize_nb.color import rgb2lab, rgb2gray, norm_lab
from colorize_nb.data import cifar10_path, extract_archive, colorize_dls
from fastai.vision.all import get_image_files

data = Path(__file__).resolve().parent.parent.parent/'shared'/'data'

class BareDS(Dataset):
    "What the fastai pipeline does per item, in plain PIL: open (draft), random square crop resized to `size`, flip"
    def __init__(self, files, size=None): self.files,self.size = files,size
    def __len__(self): return len(self.files)
    def __getitem__(self, i):
        img = Image.open(self.files[i])
        if self.size and img.format == 'JPEG': img.draft('RGB', (self.size, self.size))
        img = img.convert('RGB')
        if self.size:
            w,h = img.size; s = min(w,h); l,t = random.randint(0, w-s), random.randint(0, h-s)
            img = img.resize((self.size, self.size), Image.BILINEAR, box=(l, t, l+s, t+s))
        if random.random() < 0.5: img = img.transpose(Image.FLIP_LEFT_RIGHT)
        return torch.from_numpy(np.asarray(img).copy()).permute(2,0,1)

def bare_convert(b):
    rgb = b.float()/255
    return rgb2gray(rgb)*2-1, norm_lab(rgb2lab(rgb))

def rate(it, n, bs, convert=None):
    it = iter(it); next(it)  # the first batch pays for starting the workers
    t0 = time.perf_counter()
    for _ in range(n):
        b = next(it)
        if convert: convert(b)
    return n*bs/(time.perf_counter()-t0)

def compare(name, src, files, size, bs, n, workers):
    dls = colorize_dls(src, size=size, bs=bs, check=False, num_workers=workers)
    fa = rate(dls.train, n, bs)
    bare = DataLoader(BareDS(files, size), batch_size=bs, shuffle=True, num_workers=workers, drop_last=True, persistent_workers=False)
    br = rate(bare, n, bs, bare_convert)
    print(f'{name}: fastai {fa:.0f} img/s, bare PyTorch {br:.0f} img/s, fastai/bare {fa/br:.2f}', flush=True)
    return fa, br

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--batches', type=int, default=30); ap.add_argument('--workers', type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(2)
    cifar = cifar10_path(data/'cifar10_train.tgz')
    c = compare('CIFAR-10 32x32 bs=128', cifar, get_image_files(cifar), None, 128, a.batches, a.workers)
    photos = extract_archive(data/'photos256.tar')/'photos_train_256'
    p = compare('photos size=128 bs=64', photos, get_image_files(photos), 128, 64, a.batches, a.workers)
    print(f'workers {a.workers}; cifar img/s {c[0]:.0f} (fastai/bare {c[0]/c[1]:.2f}, /160 {c[0]/160:.1f}x); '
          f'photos img/s {p[0]:.0f} (fastai/bare {p[0]/p[1]:.2f})')
