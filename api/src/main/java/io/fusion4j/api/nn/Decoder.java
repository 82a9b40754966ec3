package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.AttentionMask;
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
    private final List<TransformerBlock> blocks = new ArrayList<>();

    /** Declares the parameters with a dense SwiGLU in every feed-forward slot. */
    public Decoder(DecoderConfig config) {
        this.config = config;
        params.declare("tok_embeddings", Shape.of(config.vocab(), config.dim()),
                new Parameters.Init.Normal(config.initStd()), false);
        for (int i = 0; i < config.layers(); i++) {
            String p = "layers." + i;
            blocks.add(new TransformerBlock(params, p, config,
                    new SwiGluFeedForward(params, p + ".ffn", config.dim(), config.ffnHidden(), config.initStd())));
        }
        params.declare("norm", Shape.of(config.dim()), new Parameters.Init.Constant(1f), false);
        params.declare("output", Shape.of(config.vocab(), config.dim()), new Parameters.Init.Normal(config.initStd()), true);
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
        Var x = g.embedding(g.param(params.get("tok_embeddings")), ids.reshape(ids.numel()));
        for (TransformerBlock b : blocks) {
            x = b.forward(g, x, batch, length, positions, mask);
        }
        x = g.rmsNorm(x, g.param(params.get("norm")), config.normEps());
        return g.linear(x, g.param(params.get("output")));
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
