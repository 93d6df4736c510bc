// The gpt2 space's PyTorch module family (the `pytorch` export): the network of
// gpt2_network.cpp in plain PyTorch, built from the architecture's JSON, with
// the model spec's names and shapes (matrices in x out) and its initialisation.
// Decoders: token ids [batch, sequence] -> logits [batch, sequence, vocabulary]
// (log-probabilities of the adaptive softmax for an adaptive embedding).
#include "search_spaces/gpt2/gpt2.hpp"

namespace zerolm {

std::string gpt2_pytorch_module() {
  return R"PY(
INIT_STD = 0.02
PROJECTION_INIT_STD = 0.01  # adaptive embedding projections
HWGPT_HEAD_SIZE = 64
GPT2_POSITIONS = 1024


class Block(nn.Module):
    def __init__(self, d_model, n_head, d_inner, bias, hwgpt, n_layer):
        super().__init__()
        residual = INIT_STD / math.sqrt(2.0 * n_layer)  # GPT-2's scaled residual projections
        self.heads, self.hwgpt = n_head, hwgpt
        self.width = n_head * HWGPT_HEAD_SIZE if hwgpt else d_model
        self.ln_1 = nn.LayerNorm(d_model)
        self.attn = nn.Module()
        self.attn.c_attn = Dense(d_model, 3 * self.width, bias, INIT_STD)
        self.attn.c_proj = Dense(self.width, d_model, bias, residual)
        self.ln_2 = nn.LayerNorm(d_model)
        self.mlp = nn.Module()
        self.mlp.c_fc = Dense(d_model, d_inner, bias, INIT_STD)
        if hwgpt:  # LLaMA MLP: a gate matrix beside the input one
            self.mlp.c_fc2 = Dense(d_model, d_inner, bias, INIT_STD)
        self.mlp.c_proj = Dense(d_inner, d_model, bias, residual)

    def forward(self, x):
        q, k, v = self.attn.c_attn(self.ln_1(x)).split(self.width, -1)
        q, k, v = split_heads(q, self.heads), split_heads(k, self.heads), split_heads(v, self.heads)
        if self.hwgpt:
            q, k = rotate_half_split(q), rotate_half_split(k)
        h = x + self.attn.c_proj(merge_heads(attend(q, k, v, True)))
        m = self.ln_2(h)
        inner = F.silu(self.mlp.c_fc(m)) * self.mlp.c_fc2(m) if self.hwgpt else F.gelu(self.mlp.c_fc(m))
        return h + self.mlp.c_proj(inner)


class Network(nn.Module):
    def __init__(self, a, protocol):
        super().__init__()
        D, e = a["d_model"], a["embedding"]
        self.d_model, self.protocol = D, protocol
        self.adaptive = e["kind"] == "adaptive"
        if not self.adaptive:
            self.wte = table(e["vocab_size"], D, INIT_STD)
            if protocol == "gpt2":
                self.wpe = table(GPT2_POSITIONS, D, INIT_STD)
            if protocol == "hwgpt":  # untied head
                self.lm_head = Dense(D, e["vocab_size"], False, INIT_STD)
        else:
            self.build_adaptive(e, D)
        self.h = nn.ModuleList([Block(D, heads, inner, a["bias"], protocol == "hwgpt", a["n_layer"])
                                for heads, inner in zip(a["n_head"], a["d_inner"])])
        self.ln_f = nn.LayerNorm(D)

    def build_adaptive(self, e, D):
        # Transformer-XL's adaptive input and the adaptive softmax tied to it
        # (archai's AdaptiveEmbedding + ProjectedAdaptiveLogSoftmax, tie_weight,
        # every projection but the softmax's first tied).
        self.div_val, self.cutoffs = e["div_val"], e["cutoffs"]
        self.word_emb = nn.Module()
        self.word_emb.emb_layers = nn.ModuleList()
        self.word_emb.emb_projs = nn.ParameterList()
        self.cluster_ranges = []
        start, width = 0, e["d_embed"]
        for i in range(1 if self.div_val == 1 else len(self.cutoffs)):
            end = e["n_token"] if self.div_val == 1 else self.cutoffs[i]
            self.word_emb.emb_layers.append(table(end - start, width, INIT_STD))
            if self.div_val != 1 or width != D:
                self.word_emb.emb_projs.append(matrix(D, width, PROJECTION_INIT_STD))
            self.cluster_ranges.append((start, end))
            start, width = end, width // self.div_val
        self.wpe = table(e["tgt_len"], D, INIT_STD)
        self.crit = nn.Module()
        self.crit.out_layers = nn.Module()
        self.crit.out_layers.bias = nn.Parameter(torch.zeros(e["n_token"]))
        tail = len(self.cutoffs) - 1
        if tail > 0:
            self.crit.cluster_weight = matrix(tail, e["d_embed"], INIT_STD)
            self.crit.cluster_bias = nn.Parameter(torch.zeros(tail))
        if len(self.word_emb.emb_projs) > 0:
            self.crit.out_projs = nn.ParameterList([matrix(D, self.word_emb.emb_projs[0].shape[1], PROJECTION_INIT_STD)])

    def embed(self, tokens):
        if not self.adaptive:
            x = self.wte(tokens)
        else:
            x = 0
            for i, (start, end) in enumerate(self.cluster_ranges):
                inside = (tokens >= start) & (tokens < end)
                y = self.word_emb.emb_layers[i](torch.where(inside, tokens - start, torch.zeros_like(tokens)))
                if len(self.word_emb.emb_projs) > 0:
                    y = y @ self.word_emb.emb_projs[i].t()
                x = x + y * inside.unsqueeze(-1).to(y.dtype)
            x = x * math.sqrt(self.d_model)
        if hasattr(self, "wpe"):
            positions = torch.arange(tokens.size(1), device=tokens.device)
            x = x + self.wpe(positions)[None]
        return x

    def logits(self, h):
        if not self.adaptive:
            return self.lm_head(h) if self.protocol == "hwgpt" else h @ self.wte.weight.t()
        bias = self.crit.out_layers.bias
        # Per softmax cluster: its output table and the projection of the hidden state.
        clusters = []
        for i, end in enumerate(self.cutoffs):
            start = 0 if i == 0 else self.cutoffs[i - 1]
            if self.div_val == 1:
                weight = self.word_emb.emb_layers[0].weight[start:end]
                projection = self.crit.out_projs[0] if hasattr(self.crit, "out_projs") else None
            else:
                weight = self.word_emb.emb_layers[i].weight
                projection = self.crit.out_projs[0] if i == 0 else self.word_emb.emb_projs[i]
            clusters.append((start, end, weight, projection))

        def logit(weight, b, projection):
            x = h if projection is None else h @ projection
            return x @ weight.t() + b

        start0, end0, weight0, projection0 = clusters[0]
        if len(clusters) == 1:
            return torch.log_softmax(logit(weight0, bias[start0:end0], projection0), -1)
        head = torch.log_softmax(logit(torch.cat([weight0, self.crit.cluster_weight]),
                                       torch.cat([bias[start0:end0], self.crit.cluster_bias]), projection0), -1)
        parts = [head[..., :end0 - start0]]
        for i, (start, end, weight, projection) in enumerate(clusters[1:]):
            tail = torch.log_softmax(logit(weight, bias[start:end], projection), -1)
            parts.append(head[..., end0 - start0 + i:end0 - start0 + i + 1] + tail)
        return torch.cat(parts, -1)

    def hidden_states(self, tokens):
        x = self.embed(tokens)
        for block in self.h:
            x = block(x)
        return self.ln_f(x)

    def forward(self, tokens):
        return self.logits(self.hidden_states(tokens))
)PY";
}

}  // namespace zerolm
