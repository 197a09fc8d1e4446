"""The ResNet BasicBlock (He et al. 2016) that the graph goldens (export_graph_goldens.py) and the
whole-model benchmark (Benchmarks/make_resnet8.py) build their networks from: conv 3×3 (stride s)
→ BatchNorm → ReLU → conv 3×3 → BatchNorm, plus the input — through a strided 1×1 projection and
BatchNorm when the shape changes — then ReLU."""
import torch
import torch.nn as nn


class BasicBlock(nn.Module):
    def __init__(self, inputs, outputs, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inputs, outputs, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(outputs)
        self.conv2 = nn.Conv2d(outputs, outputs, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(outputs)
        self.shortcut = nn.Identity()
        if stride != 1 or inputs != outputs:
            self.shortcut = nn.Sequential(nn.Conv2d(inputs, outputs, 1, stride=stride, bias=False), nn.BatchNorm2d(outputs))

    def forward(self, x):
        h = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(h)) + self.shortcut(x))
