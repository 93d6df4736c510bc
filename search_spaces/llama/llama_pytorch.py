RMS_NORM_EPS = 1e-5  # TinyLlama's and SmolLM's rms_norm_eps


class RMSNorm(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(width))

    def forward(self, x):
        x32 = x.float()
        return self.weight * (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + RMS_NORM_EPS)).to(x.dtype)


class Block(nn.Module):
    """A decoder layer; a block of width 0 is skipped (no parameters, the identity)."""

    def __init__(self, a, heads, kv_heads, intermediate):
        super().__init__()
        h, d, std = a["hidden_size"], a["head_dim"], a["initializer_range"]
        self.heads, self.kv_heads = heads, kv_heads
        if heads > 0:
            self.input_layernorm = RMSNorm(h)
            self.self_attn = nn.Module()
            bias = a["attention_bias"]
            self.self_attn.q_proj = Dense(h, heads * d, bias, std)
            self.self_attn.k_proj = Dense(h, kv_heads * d, bias, std)
            self.self_attn.v_proj = Dense(h, kv_heads * d, bias, std)
            self.self_attn.o_proj = Dense(heads * d, h, bias, std)
        if intermediate > 0:
            self.post_attention_layernorm = RMSNorm(h)
            self.mlp = nn.Module()
            bias = a["mlp_bias"]
            self.mlp.gate_proj = Dense(h, intermediate, bias, std)
            self.mlp.up_proj = Dense(h, intermediate, bias, std)
            self.mlp.down_proj = Dense(intermediate, h, bias, std)

    def forward(self, x):
        if self.heads > 0:
            y = self.input_layernorm(x)
            attn = self.self_attn
            group = self.heads // self.kv_heads  # GQA: KV head j serves query heads j*group .. (j+1)*group-1
            q = rotate_half_split(split_heads(attn.q_proj(y), self.heads))
            k = rotate_half_split(split_heads(attn.k_proj(y), self.kv_heads)).repeat_interleave(group, 1)
            v = split_heads(attn.v_proj(y), self.kv_heads).repeat_interleave(group, 1)
            x = x + attn.o_proj(merge_heads(attend(q, k, v, True)))
        if hasattr(self, "mlp"):
            y = self.post_attention_layernorm(x)
            x = x + self.mlp.down_proj(F.silu(self.mlp.gate_proj(y)) * self.mlp.up_proj(y))
        return x


class Network(nn.Module):
    def __init__(self, a, protocol):
        super().__init__()
        h, std = a["hidden_size"], a["initializer_range"]
        self.model = nn.Module()
        self.model.embed_tokens = table(a["vocab_size"], h, std)
        self.model.layers = nn.ModuleList([
            Block(a, heads, kv, inner)
            for heads, kv, inner in zip(a["num_attention_heads"], a["num_key_value_heads"], a["intermediate_size"])])
        self.model.norm = RMSNorm(h)
        self.tied = a["tie_word_embeddings"]
        if not self.tied:
            self.lm_head = Dense(h, a["vocab_size"], False, std)

    def hidden_states(self, tokens):
        x = self.model.embed_tokens(tokens)
        for block in self.model.layers:
            x = block(x)
        return self.model.norm(x)

    def forward(self, tokens):
        h = self.hidden_states(tokens)
        return h @ self.model.embed_tokens.weight.t() if self.tied else self.lm_head(h)
