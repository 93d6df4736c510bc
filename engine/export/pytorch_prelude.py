import json
import math
import os
import struct

import torch
from torch import nn
import torch.nn.functional as F


def init_(tensor, std, truncation=0.0):
    """N(0, std^2), or truncated to +-truncation * std (as zerolm's model spec says)."""
    with torch.no_grad():
        if truncation > 0:
            return nn.init.trunc_normal_(tensor, 0.0, std, -truncation * std, truncation * std)
        return tensor.normal_(0.0, std)


class Dense(nn.Module):
    """y = x @ weight + bias with weight stored in x out: zerolm's layout (GPT-2's
    Conv1D), so the model spec's shapes and drawn weights load unchanged."""

    def __init__(self, n_in, n_out, bias=True, std=0.02, truncation=0.0):
        super().__init__()
        self.weight = nn.Parameter(init_(torch.empty(n_in, n_out), std, truncation))
        self.bias = nn.Parameter(torch.zeros(n_out)) if bias else None

    def forward(self, x):
        y = x @ self.weight
        return y if self.bias is None else y + self.bias


def table(rows, width, std, truncation=0.0):
    """An embedding table initialised as the model spec says."""
    embedding = nn.Embedding(rows, width)
    init_(embedding.weight, std, truncation)
    return embedding


def matrix(rows, cols, std, truncation=0.0):
    return nn.Parameter(init_(torch.empty(rows, cols), std, truncation))


def split_heads(x, heads):
    """[b, t, heads * w] -> [b, heads, t, w]"""
    b, t, width = x.shape
    return x.view(b, t, heads, width // heads).transpose(1, 2)


def merge_heads(x):
    """[b, heads, t, w] -> [b, t, heads * w]"""
    b, heads, t, width = x.shape
    return x.transpose(1, 2).reshape(b, t, heads * width)


def attend(q, k, v, causal):
    """Scaled dot-product attention over [b, heads, t, w]."""
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    if causal:
        t = scores.size(-1)
        mask = torch.ones(t, t, dtype=torch.bool, device=scores.device).triu(1)
        scores = scores.masked_fill(mask, float("-inf"))
    return torch.softmax(scores, -1) @ v


def rotate_half_split(x, base=10000.0):
    """Rotary positions on [b, heads, t, w]: dimension i pairs with i + w/2, frequencies base^(-2i/w)."""
    half = x.size(-1) // 2
    frequencies = base ** (-torch.arange(half, dtype=x.dtype, device=x.device) / half)
    angles = torch.arange(x.size(2), dtype=x.dtype, device=x.device)[:, None] * frequencies[None, :]
    cos, sin = angles.cos(), angles.sin()
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], -1)


def load_safetensors(path):
    """A safetensors file (8-byte little-endian header length, JSON header, raw
    little-endian tensors) as {name: tensor}, with the standard library only."""
    dtypes = {"F32": torch.float32, "F64": torch.float64}
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length].decode("utf-8"))
    base = 8 + length
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        flat = torch.frombuffer(bytearray(data[base + begin:base + end]), dtype=dtypes[entry["dtype"]])
        tensors[name] = flat.reshape(entry["shape"])
    return tensors
