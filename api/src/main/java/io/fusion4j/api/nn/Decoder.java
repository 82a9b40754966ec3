package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.AttentionMask;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Decoder-only language model: token embedding, blocks, final RMSNorm, untied LM head. Parameter names
 * ({@code tok_embeddings}, {@code layers.i.*}, {@code norm}, {@code output}) are the checkpoint keys;
 * docs/model.md gives the exact math and shapes.
 */
public final class Decoder {
    private final DecoderConfig config;
    private final Parameters params = new Parameters();
    private final Embedding embedding;
    private final List<TransformerBlock> blocks = new ArrayList<>();
    private final RmsNorm norm;
    private final Linear output;

    /** Declares the parameters with a dense SwiGLU in every feed-forward slot. */
    public Decoder(DecoderConfig config) {
        this.config = config;
        this.embedding = new Embedding(params, "tok_embeddings", config.vocab(), config.dim(), config.initStd());
        for (int i = 0; i < config.layers(); i++) {
            String p = "layers." + i;
            blocks.add(new TransformerBlock(params, p, config,
                    new SwiGluFeedForward(params, p + ".ffn", config.dim(), config.ffnHidden(), config.initStd())));
        }
        this.norm = new RmsNorm(params, "norm", config.dim(), config.normEps());
        this.output = new Linear(params, "output", config.dim(), config.vocab(), config.initStd());
    }

    public DecoderConfig config() {
        return config;
    }

    public Parameters parameters() {
        return params;
    }

    /** Logits {@code [B*T, vocab]} for I32 token ids {@code [B, T]} at I32 positions {@code [B, T]}. */
    public Var logits(Graph g, Tensor ids, Tensor positions, AttentionMask mask) {
        int batch = (int) ids.dim(0);
        int length = (int) ids.dim(1);
        Var x = embedding.forward(g, ids);
        for (TransformerBlock b : blocks) {
            x = b.forward(g, x, batch, length, positions, mask);
        }
        return output.forward(g, norm.forward(g, x));
    }

    /**
     * Logits {@code [1, vocab]} of one new token at the next position, attending over the KV cache, which it
     * extends by that position. Generation calls this once per prompt token, then once per new token.
     */
    public Var decodeStep(Graph g, int token, KvCache cache) {
        if (cache.length() >= cache.capacity()) {
            throw new IllegalStateException("KV cache is full (" + cache.capacity() + " positions)");
        }
        Tensor id = g.arena().allocate(DType.I32, Shape.of(1, 1));
        Tensor pos = g.arena().allocate(DType.I32, Shape.of(1, 1));
        g.backend().copyFromHost(new int[]{token}, id);
        g.backend().copyFromHost(new int[]{cache.length()}, pos);
        Var x = embedding.forward(g, id);
        for (int i = 0; i < blocks.size(); i++) {
            x = blocks.get(i).decode(g, x, pos, cache, i);
        }
        cache.advance();
        return output.forward(g, norm.forward(g, x));
    }

    /** Mean next-token cross-entropy (plus z-loss) against I32 targets {@code [B, T]} (negative = ignored). */
    public double loss(Graph g, Tensor ids, Tensor positions, AttentionMask mask, Tensor targets) {
        return loss(g, ids, positions, mask, targets, 1f);
    }

    /** The loss with its gradient weighted by {@code gradWeight} (1/k for one of k micro-batches). */
    public double loss(Graph g, Tensor ids, Tensor positions, AttentionMask mask, Tensor targets, float gradWeight) {
        return g.crossEntropy(logits(g, ids, positions, mask), targets.reshape(targets.numel()), config.zLoss(), gradWeight);
    }
}
