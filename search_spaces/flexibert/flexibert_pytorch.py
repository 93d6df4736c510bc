VOCABULARY = 30522
EMBEDDING_WIDTH = 128
POSITIONS = 512
TOKEN_TYPES = 2
INIT_STD = 0.02
PAPER_HIDDEN = 256  # the `paper` protocol's library defaults
PAPER_FFN_WIDTH = 1024


def dct_matrix(n, dtype, device):
    """Orthonormal DCT-II of size n."""
    k = torch.arange(n, dtype=dtype, device=device)[:, None]
    i = torch.arange(n, dtype=dtype, device=device)[None, :]
    m = torch.cos(math.pi / n * (i + 0.5) * k) * math.sqrt(2.0 / n)
    m[0] = m[0] / math.sqrt(2.0)
    return m


class SeparableConv(nn.Module):
    """Depthwise (H x k, no bias) then pointwise (H x A) convolution, plus a bias of A."""

    def __init__(self, channels, out, kernel, depthwise_std, std, truncation):
        super().__init__()
        self.depthwise = nn.Module()
        self.depthwise.weight = matrix(channels, kernel, depthwise_std, truncation)
        self.pointwise = nn.Module()
        self.pointwise.weight = matrix(channels, out, std, truncation)
        self.bias = nn.Parameter(torch.zeros(out))
        self.kernel = kernel

    def forward(self, x):  # [b, t, c] -> [b, t, out]; padding k/2 leaves one extra step for an even k
        y = F.conv1d(x.transpose(1, 2), self.depthwise.weight.unsqueeze(1), padding=self.kernel // 2,
                     groups=x.size(-1)).transpose(1, 2)
        if self.kernel % 2 == 0:
            y = y[:, :-1]
        return y @ self.pointwise.weight + self.bias


class Layer(nn.Module):
    def __init__(self, l, H, F_width, trained):
        super().__init__()
        std, cut = INIT_STD, (2.0 if trained else 0.0)
        self.type, self.parameter, heads = l["operation_type"], l["operation_parameter"], l["num_operation_heads"]
        self.attention = nn.Module()
        s = self.attention.self = nn.Module()
        has_output = self.type != "LT" or trained
        context = H
        if self.type == "SA":
            s.query, s.key, s.value = (Dense(H, H, True, std, cut) for _ in range(3))
            if self.parameter == "WMA":
                s.wma = Dense(H, H, False, std, cut)
            self.attention_heads = heads
        elif self.type == "LT":
            s.input_dense = Dense(H, H, True, std, cut)
        else:
            k = self.kernel = int(self.parameter)
            self.conv_heads = heads if trained else max(1, heads // 2)
            A = H if trained else self.conv_heads * H // heads
            self.attention_heads = self.conv_heads
            s.query, s.key, s.value = (Dense(H, A, True, std, cut) for _ in range(3))
            s.conv = SeparableConv(H, A, k, 1.0 / k if trained else std, std, cut)
            s.conv_kernel = Dense(H if trained else A, self.conv_heads * k, True, std, cut)
            s.conv_out = Dense(H, A, True, std, cut)
            if trained:
                context = 2 * H  # attention and convolution concatenated
        if has_output:
            self.attention.output = nn.Module()
            self.attention.output.dense = Dense(context, H, True, std, cut)
            self.attention.output.LayerNorm = nn.LayerNorm(H)
        self.intermediate = nn.Module()
        first = 4 * H if trained else F_width
        self.intermediate.dense = Dense(H, first, True, std, cut)
        self.ffn = [self.intermediate.dense]
        width = first
        for j in range(1, l["num_feed_forward"]):
            dense = Dense(width, F_width, True, std, cut)
            setattr(self.intermediate, "dense_%d" % j, dense)
            self.ffn.append(dense)
            width = F_width
        self.output = nn.Module()
        self.output.dense = Dense(width, H, True, std, cut)
        self.output.LayerNorm = nn.LayerNorm(H)

    def mix(self, x):
        s = self.attention.self
        if self.type == "SA":
            q = s.query(x)
            if hasattr(s, "wma"):
                q = s.wma(q)  # weighted multiplicative attention: q W k^T
            n = self.attention_heads
            return merge_heads(attend(split_heads(q, n), split_heads(s.key(x), n), split_heads(s.value(x), n), False))
        if self.type == "LT":
            y = s.input_dense(x)
            if self.parameter == "DFT":
                return torch.fft.fft2(y, dim=(-2, -1)).real
            t = dct_matrix(y.size(1), y.dtype, y.device)
            h = dct_matrix(y.size(2), y.dtype, y.device)
            return t @ y @ h.t()
        # ConvBERT's span-based dynamic convolution beside self-attention.
        n, k = self.attention_heads, self.kernel
        q = s.query(x)
        attention = merge_heads(attend(split_heads(q, n), split_heads(s.key(x), n), split_heads(s.value(x), n), False))
        span = s.conv(x) * q
        b, t, _ = span.shape
        weights = torch.softmax(s.conv_kernel(span).view(b, t, self.conv_heads, 1, k), -1)
        values = F.pad(s.conv_out(x).transpose(1, 2), (k // 2, k - 1 - k // 2))  # [b, A, t + k - 1]
        windows = values.unfold(2, k, 1).permute(0, 2, 1, 3)  # [b, t, A, k]
        windows = windows.reshape(b, t, self.conv_heads, -1, k)
        return torch.cat([attention, (windows * weights).sum(-1).flatten(-2)], -1)

    def forward(self, x):
        mixed = self.mix(x)
        if hasattr(self.attention, "output"):
            h = self.attention.output.LayerNorm(x + self.attention.output.dense(mixed))
        else:
            h = x + mixed
        y = h
        for dense in self.ffn:
            y = F.gelu(dense(y))
        return self.output.LayerNorm(h + self.output.dense(y))


class Network(nn.Module):
    def __init__(self, a, protocol):
        super().__init__()
        paper, trained = protocol == "paper", protocol == "trained"
        H = PAPER_HIDDEN if paper else a["hidden_size"]
        E, cut = EMBEDDING_WIDTH, (2.0 if trained else 0.0)
        self.embeddings = nn.Module()
        self.embeddings.word_embeddings = table(VOCABULARY, E, INIT_STD, cut)
        self.embeddings.position_embeddings = table(POSITIONS, E, INIT_STD, cut)
        self.embeddings.token_type_embeddings = table(TOKEN_TYPES, E, INIT_STD, cut)
        self.embeddings.LayerNorm = nn.LayerNorm(E)
        if H != E:
            self.embeddings_project = Dense(E, H, True, INIT_STD, cut)
        self.encoder = nn.Module()
        self.encoder.layer = nn.ModuleList([
            Layer(l, H, PAPER_FFN_WIDTH if paper else l["feed_forward_dimension"], trained)
            for l in a["encoder_layers"]])

    def forward(self, tokens):
        e = self.embeddings
        positions = torch.arange(tokens.size(1), device=tokens.device)[None]
        x = e.LayerNorm(e.word_embeddings(tokens) + e.position_embeddings(positions) +
                        e.token_type_embeddings(torch.zeros_like(tokens)))
        if hasattr(self, "embeddings_project"):
            x = self.embeddings_project(x)
        for layer in self.encoder.layer:
            x = layer(x)
        return x
