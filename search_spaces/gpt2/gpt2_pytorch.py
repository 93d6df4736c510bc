INIT_STD = 0.02
PROJECTION_INIT_STD = 0.01  # adaptive embedding projections

# The network protocols, field for field as zerolm's gpt2_protocols.cpp: block
# ("gpt2" or archai's "relative" layer), head_size (0: d_model / heads), rotary,
# gated_mlp (LLaMA MLP), plain_positions (learned rows beside a plain token table),
# adaptive_positions (learned tgt_len rows beside an adaptive embedding),
# untied_head, final_norm, layer_prefix.
PROTOCOLS = {
    "lts": dict(block="gpt2", head_size=0, rotary=False, gated_mlp=False, plain_positions=0,
                adaptive_positions=True, untied_head=False, final_norm=True, layer_prefix="h"),
    "hwgpt": dict(block="gpt2", head_size=64, rotary=True, gated_mlp=True, plain_positions=0,
                  adaptive_positions=True, untied_head=True, final_norm=True, layer_prefix="h"),
    "gpt2": dict(block="gpt2", head_size=0, rotary=False, gated_mlp=False, plain_positions=1024,
                 adaptive_positions=True, untied_head=False, final_norm=True, layer_prefix="h"),
    "transxl": dict(block="relative", head_size=0, rotary=False, gated_mlp=False, plain_positions=0,
                    adaptive_positions=False, untied_head=False, final_norm=False, layer_prefix="layers"),
}


class Block(nn.Module):
    def __init__(self, d_model, n_head, d_inner, bias, unit, n_layer, std):
        super().__init__()
        residual = std / math.sqrt(2.0 * n_layer)  # GPT-2's scaled residual projections
        self.heads, self.rotary, self.gated_mlp = n_head, unit["rotary"], unit["gated_mlp"]
        self.width = n_head * unit["head_size"] if unit["head_size"] else d_model
        self.ln_1 = nn.LayerNorm(d_model)
        self.attn = nn.Module()
        self.attn.c_attn = Dense(d_model, 3 * self.width, bias, std)
        self.attn.c_proj = Dense(self.width, d_model, bias, residual)
        self.ln_2 = nn.LayerNorm(d_model)
        self.mlp = nn.Module()
        self.mlp.c_fc = Dense(d_model, d_inner, bias, std)
        if self.gated_mlp:  # LLaMA MLP: a gate matrix beside the input one
            self.mlp.c_fc2 = Dense(d_model, d_inner, bias, std)
        self.mlp.c_proj = Dense(d_inner, d_model, bias, residual)

    def forward(self, x):
        q, k, v = self.attn.c_attn(self.ln_1(x)).split(self.width, -1)
        q, k, v = split_heads(q, self.heads), split_heads(k, self.heads), split_heads(v, self.heads)
        if self.rotary:
            q, k = rotate_half_split(q), rotate_half_split(k)
        h = x + self.attn.c_proj(merge_heads(attend(q, k, v, True)))
        m = self.ln_2(h)
        inner = F.silu(self.mlp.c_fc(m)) * self.mlp.c_fc2(m) if self.gated_mlp else F.gelu(self.mlp.c_fc(m))
        return h + self.mlp.c_proj(inner)


def rel_shift(x):
    """Transformer-XL's shift of [b, h, i, j] scores against keys at distances t-1 .. 0:
    afterwards (i, j) holds the score of distance i - j (for j <= i; the rest is masked)."""
    b, h, i, j = x.shape
    padded = torch.cat([x.new_zeros(b, h, i, 1), x], -1).view(b, h, j + 1, i)
    return padded[:, :, 1:].reshape(b, h, i, j)


class TransXlBlock(nn.Module):
    """archai's RelPartialLearnableDecoderLayer (MemTransformerLM, attn_type 0) without
    memory: relative attention with this layer's r_w_bias and r_r_bias, then the ReLU
    FFN, each with a LayerNorm after its residual (before its input with pre_lnorm)."""

    def __init__(self, d_model, n_head, d_inner, pre_lnorm, std):
        super().__init__()
        self.d_model, self.heads, self.d_head, self.pre_lnorm = d_model, n_head, d_model // n_head, pre_lnorm
        width = n_head * self.d_head
        self.dec_attn = nn.Module()
        self.dec_attn.qkv_net = Dense(d_model, 3 * width, False, std)
        self.dec_attn.r_net = Dense(d_model, width, False, std)
        self.dec_attn.o_net = Dense(width, d_model, False, std)
        self.dec_attn.r_w_bias = matrix(n_head, self.d_head, std)
        self.dec_attn.r_r_bias = matrix(n_head, self.d_head, std)
        self.dec_attn.layer_norm = nn.LayerNorm(d_model)
        self.pos_ff = nn.Module()
        # archai's CoreNet indices: 0 Linear, 1 ReLU, 2 and 4 Dropout (none, as the scored network), 3 Linear.
        self.pos_ff.CoreNet = nn.Sequential(Dense(d_model, d_inner, True, std), nn.ReLU(), nn.Identity(),
                                            Dense(d_inner, d_model, True, std))
        self.pos_ff.layer_norm = nn.LayerNorm(d_model)

    def forward(self, x):
        attn, t = self.dec_attn, x.size(1)
        # Sinusoids of the key positions counted back from the last, t-1 .. 0 (archai's pos_seq).
        positions = torch.arange(t - 1, -1, -1, dtype=x.dtype, device=x.device)
        inv_freq = 1.0 / (10000.0 ** (torch.arange(0, self.d_model, 2, dtype=x.dtype, device=x.device) /
                                      self.d_model))
        angles = positions[:, None] * inv_freq[None, :]
        r_head_k = attn.r_net(torch.cat([angles.sin(), angles.cos()], -1))  # [t, h * dh]
        r_head_k = r_head_k.view(t, self.heads, self.d_head).permute(1, 2, 0)  # [h, dh, t]
        q, k, v = attn.qkv_net(attn.layer_norm(x) if self.pre_lnorm else x).chunk(3, -1)
        q, k, v = split_heads(q, self.heads), split_heads(k, self.heads), split_heads(v, self.heads)
        ac = (q + attn.r_w_bias[:, None]) @ k.transpose(-2, -1)  # [b, h, i, j]
        bd = rel_shift((q + attn.r_r_bias[:, None]) @ r_head_k)
        future = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)
        scores = ((ac + bd) / math.sqrt(self.d_head)).masked_fill(future, float("-inf"))
        attended = attn.o_net(merge_heads(torch.softmax(scores, -1) @ v))
        h = x + attended if self.pre_lnorm else attn.layer_norm(x + attended)
        core = self.pos_ff.CoreNet(self.pos_ff.layer_norm(h) if self.pre_lnorm else h)
        return h + core if self.pre_lnorm else self.pos_ff.layer_norm(h + core)


class Network(nn.Module):
    def __init__(self, a, protocol):
        super().__init__()
        D, e = a["d_model"], a["embedding"]
        std = a.get("weight_init_std", INIT_STD)
        unit = PROTOCOLS[protocol]
        self.d_model, self.untied_head = D, unit["untied_head"]
        self.adaptive = e["kind"] == "adaptive"
        if not self.adaptive:
            self.wte = table(e["vocab_size"], D, std)
            if unit["plain_positions"]:
                self.wpe = table(unit["plain_positions"], D, std)
            if self.untied_head:
                self.lm_head = Dense(D, e["vocab_size"], False, std)
        else:
            self.build_adaptive(e, D, std, a.get("proj_init_std", PROJECTION_INIT_STD), unit["adaptive_positions"])
        if unit["block"] == "relative":
            blocks = [TransXlBlock(D, heads, inner, a.get("pre_lnorm", False), std)
                      for heads, inner in zip(a["n_head"], a["d_inner"])]
        else:
            blocks = [Block(D, heads, inner, a["bias"], unit, a["n_layer"], std)
                      for heads, inner in zip(a["n_head"], a["d_inner"])]
        self.blocks = unit["layer_prefix"]
        self.add_module(self.blocks, nn.ModuleList(blocks))
        if unit["final_norm"]:
            self.ln_f = nn.LayerNorm(D)

    def build_adaptive(self, e, D, std, projection_std, learned_positions):
        # Transformer-XL's adaptive input and the adaptive softmax (archai's AdaptiveEmbedding
        # + ProjectedAdaptiveLogSoftmax). The softmax reuses the embedding tables (tie_weight)
        # and, for cluster i with tie_projs[i], embedding projection i (the only one when
        # div_val is 1); otherwise it has its own, named by cluster as the model spec names them.
        self.div_val, self.cutoffs = e["div_val"], e["cutoffs"]
        clusters = len(self.cutoffs)
        self.tie_projs = e.get("tie_projs", [False] + [True] * (clusters - 1))
        self.tie_weight = e.get("tie_weight", True)
        self.projected = self.div_val != 1 or e["d_embed"] != D
        tables = 1 if self.div_val == 1 else clusters
        self.widths = [e["d_embed"] // self.div_val ** i for i in range(tables)]
        self.word_emb = nn.Module()
        self.word_emb.emb_layers = nn.ModuleList()
        self.word_emb.emb_projs = nn.ParameterList()
        self.cluster_ranges = []  # token range of each embedding table
        start = 0
        for i in range(tables):
            end = e["n_token"] if self.div_val == 1 else self.cutoffs[i]
            self.word_emb.emb_layers.append(table(end - start, self.widths[i], std))
            if self.projected:
                self.word_emb.emb_projs.append(matrix(D, self.widths[i], projection_std))
            self.cluster_ranges.append((start, end))
            start = end
        if learned_positions:
            self.wpe = table(e["tgt_len"], D, std)
        self.crit = nn.Module()
        self.crit.out_layers = nn.Module()
        self.crit.out_layers.bias = nn.Parameter(torch.zeros(e["n_token"]))
        if clusters > 1:
            self.crit.cluster_weight = matrix(clusters - 1, e["d_embed"], std)
            self.crit.cluster_bias = nn.Parameter(torch.zeros(clusters - 1))
        self.crit.out_projs = nn.Module()
        for i in range(clusters):
            if self.projected and not self.tie_projs[i]:
                width = self.widths[0 if self.div_val == 1 else i]
                self.crit.out_projs.register_parameter(str(i), matrix(D, width, projection_std))
        if not self.tie_weight:
            for i, (start, end) in enumerate(self.cluster_ranges):
                own = nn.Module()
                own.weight = matrix(end - start, self.widths[i], std)
                self.crit.out_layers.add_module(str(i), own)

    def embed(self, tokens):
        if not self.adaptive:
            x = self.wte(tokens)
        else:
            x = 0
            for i, (start, end) in enumerate(self.cluster_ranges):
                inside = (tokens >= start) & (tokens < end)
                y = self.word_emb.emb_layers[i](torch.where(inside, tokens - start, torch.zeros_like(tokens)))
                if self.projected:
                    y = y @ self.word_emb.emb_projs[i].t()
                x = x + y * inside.unsqueeze(-1).to(y.dtype)
            x = x * math.sqrt(self.d_model)
        if hasattr(self, "wpe"):
            positions = torch.arange(tokens.size(1), device=tokens.device)
            x = x + self.wpe(positions)[None]
        return x

    def softmax_cluster(self, i):
        """Softmax cluster i: its tokens, output table (rows of it), bias slice and projection."""
        start, end = (0 if i == 0 else self.cutoffs[i - 1]), self.cutoffs[i]
        at = 0 if self.div_val == 1 else i  # the embedding table (and projection) the cluster's tokens are in
        weight = (self.word_emb.emb_layers[at] if self.tie_weight else getattr(self.crit.out_layers, str(at))).weight
        if self.div_val == 1:
            weight = weight[start:end]
        projection = None
        if self.projected:
            projection = self.word_emb.emb_projs[at] if self.tie_projs[i] else getattr(self.crit.out_projs, str(i))
        return start, end, weight, self.crit.out_layers.bias[start:end], projection

    def logits(self, h):
        if not self.adaptive:
            return self.lm_head(h) if self.untied_head else h @ self.wte.weight.t()

        def logit(weight, b, projection):
            x = h if projection is None else h @ projection
            return x @ weight.t() + b

        clusters = [self.softmax_cluster(i) for i in range(len(self.cutoffs))]
        start0, end0, weight0, bias0, projection0 = clusters[0]
        if len(clusters) == 1:
            return torch.log_softmax(logit(weight0, bias0, projection0), -1)
        # The head scores cluster 0's tokens and one logit per tail cluster.
        head = torch.log_softmax(logit(torch.cat([weight0, self.crit.cluster_weight]),
                                       torch.cat([bias0, self.crit.cluster_bias]), projection0), -1)
        parts = [head[..., :end0 - start0]]
        for i, (start, end, weight, bias, projection) in enumerate(clusters[1:]):
            tail = torch.log_softmax(logit(weight, bias, projection), -1)
            parts.append(head[..., end0 - start0 + i:end0 - start0 + i + 1] + tail)
        return torch.cat(parts, -1)

    def hidden_states(self, tokens):
        x = self.embed(tokens)
        for block in getattr(self, self.blocks):
            x = block(x)
        return self.ln_f(x) if hasattr(self, "ln_f") else x

    def forward(self, tokens):
        return self.logits(self.hidden_states(tokens))
